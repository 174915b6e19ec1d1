import type { Envelope } from "./engine/engine.js";
import { type Inspect, inspectAs, inspectCustom } from "./inspect.js";
import { ANY_SOURCE, ANY_TAG, UNDEFINED } from "./constants.js";
import { Datatype } from "./datatype/type.js";
import { MPIError } from "./errors.js";

/** What Status.Set_elements accepts besides a size in bytes: any datatype object that knows its size. */
export interface SizedDatatype {
  Get_size(): number;
}

/**
 * Status of a completed receive or probe (MPI-4.0 §3.2.5). As in mpi4py, counts without a datatype are in bytes
 * (`count`, `Get_count()`); `Get_count(MPI.DOUBLE)` counts items of a datatype.
 */
export class Status {
  [inspectCustom](_depth: number, options: object, inspect: Inspect): string {
    return inspectAs("Status", { source: this.source, tag: this.tag, count: this.count, error: this.error, cancelled: this.cancelled }, options, inspect);
  }

  source: number = ANY_SOURCE;
  tag: number = ANY_TAG;
  /** Bytes received (mpi4py's `status.count`). */
  count = 0;
  error = 0;
  cancelled = false;
  /** Bytes actually delivered. */
  byteCount = 0;

  Get_source(): number { return this.source; }
  Get_tag(): number { return this.tag; }
  Get_error(): number { return this.error; }
  /**
   * Whole items of `datatype` received (default MPI.BYTE: bytes), MPI.UNDEFINED when the bytes are not a whole
   * number of items (MPI_Get_count). A number is taken as an item size in bytes.
   */
  Get_count(datatype?: Datatype | number): number {
    const size = itemSize("Get_count", datatype);
    if (size === 0) return this.byteCount === 0 ? 0 : UNDEFINED;
    return this.byteCount % size === 0 ? this.byteCount / size : UNDEFINED;
  }
  /**
   * Basic elements of `datatype` received, counting those of a partial item (MPI_Get_elements): a message of 3
   * doubles holds 1 item of a 2-double type but 3 elements; MPI.UNDEFINED when an element is cut.
   */
  Get_elements(datatype?: Datatype | number): number {
    if (datatype instanceof Datatype) {
      const n = datatype.elementsIn(this.byteCount);
      return n < 0 ? UNDEFINED : n;
    }
    return this.Get_count(datatype);
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
  fill(envelope: Envelope): void {
    this.source = envelope.source;
    this.tag = envelope.tag;
    this.byteCount = envelope.byteLength;
    this.count = this.byteCount;
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

function itemSize(call: string, datatype: Datatype | number | undefined): number {
  if (datatype === undefined) return 1;
  if (datatype instanceof Datatype) {
    if (datatype.isNull) throw new MPIError("ERR_TYPE", `${call}: datatype ${datatype.name} is freed or MPI.DATATYPE_NULL`);
    return datatype.size;
  }
  if (!Number.isInteger(datatype) || datatype <= 0) throw new MPIError("ERR_TYPE", `${call}: datatype must be an MPI.Datatype, got ${String(datatype)}`);
  return datatype;
}
