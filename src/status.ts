import type { Envelope } from "./engine/engine.js";
import { ANY_SOURCE, ANY_TAG } from "./constants.js";
import { MPIError } from "./errors.js";

/** What Status.Set_elements accepts besides a size in bytes: any datatype object that knows its size. */
export interface SizedDatatype {
  Get_size(): number;
}

/**
 * Status of a completed receive or probe (MPI-4.0 §3.2.5). `count` is in bytes for values and in elements of the
 * receive buffer's type for buffers (what `Get_count()` returns with no argument).
 */
export class Status {
  source: number = ANY_SOURCE;
  tag: number = ANY_TAG;
  /** Bytes for values; elements of the receive type for buffers. */
  count = 0;
  error = 0;
  cancelled = false;
  /** Bytes actually delivered. */
  byteCount = 0;
  /** Size in bytes of one element of the receive type (1 for values and byte views). */
  elementSize = 1;

  Get_source(): number { return this.source; }
  Get_tag(): number { return this.tag; }
  Get_error(): number { return this.error; }
  /** Elements of `elementSize` bytes (default: the receive type's); UNDEFINED-like -1 when not a whole number. */
  Get_count(elementSize: number = this.elementSize): number {
    return this.byteCount % elementSize === 0 ? this.byteCount / elementSize : -1;
  }
  Get_elements(elementSize: number = this.elementSize): number {
    return Math.floor(this.byteCount / elementSize);
  }
  Is_cancelled(): boolean { return this.cancelled; }
  Set_source(source: number): void { this.source = source; }
  Set_tag(tag: number): void { this.tag = tag; }
  Set_error(error: number): void { this.error = error; }
  Set_cancelled(flag: boolean): void { this.cancelled = flag; }

  // ---- p2p: setting a status (MPI-4.0 §13.3, for generalized requests and layered libraries) ----

  /**
   * MPI_Status_set_elements: the status now says `count` elements of `datatype` arrived (`datatype`: an element
   * size in bytes, or a datatype object with `Get_size()`). Get_count/Get_elements then count from these bytes.
   */
  Set_elements(datatype: number | SizedDatatype, count: number): void {
    const size = typeof datatype === "number" ? datatype : datatype?.Get_size?.();
    if (!Number.isInteger(size) || (size as number) <= 0) {
      throw new MPIError("ERR_TYPE", `Status.Set_elements: datatype must be an element size in bytes (a positive integer) or a datatype with Get_size(), got ${String(datatype)}`);
    }
    if (!Number.isInteger(count) || count < 0) {
      throw new MPIError("ERR_COUNT", `Status.Set_elements: count must be a non-negative integer, got ${String(count)}`);
    }
    this.byteCount = count * (size as number);
    this.count = this.Get_count();
  }

  /** Fills this status from a delivered envelope. */
  fill(envelope: Envelope, elementSize = 1): void {
    this.source = envelope.source;
    this.tag = envelope.tag;
    this.byteCount = envelope.byteLength;
    this.elementSize = elementSize;
    this.count = this.Get_count();
    this.error = 0;
    this.cancelled = false;
  }

  /** What a receive from PROC_NULL reports (MPI-4.0 §3.11). */
  fillEmpty(source: number): void {
    this.source = source;
    this.tag = ANY_TAG;
    this.byteCount = 0;
    this.count = 0;
    this.error = 0;
    this.cancelled = false;
  }
}
