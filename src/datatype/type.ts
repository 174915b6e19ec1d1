/**
 * Datatypes as objects (MPI-4.0 chapter 5, mpi4py's `MPI.Datatype`): the predefined types and the derived-type
 * constructors. A datatype is a layout (size, bounds, the packing plan of plan.ts, the sequence of basic elements)
 * computed once at construction, so communication only reads it. The same layout serves every engine: derived
 * types travel packed, and MPI sees bytes (docs/datatypes.md).
 */
import { type Inspect, inspectAs, inspectCustom } from "../inspect.js";
import type { Comm } from "../comm.js";
import { MPIError } from "../errors.js";
import { type Buffer, bytesOf, checkBuffer, describe } from "../datatype.js";
import { type Run, appendPlan, appendRun, transfer } from "./plan.js";

/** A typed-array class: what one basic element of a datatype reads as. */
export type ElementArray =
  | Int8ArrayConstructor | Uint8ArrayConstructor | Int16ArrayConstructor | Uint16ArrayConstructor
  | Int32ArrayConstructor | Uint32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor
  | BigInt64ArrayConstructor | BigUint64ArrayConstructor;

/** Storage order of Create_subarray (MPI-4.0 §5.1.3): row-major (C) or column-major (Fortran). */
export const ORDER_C = 0;
export const ORDER_FORTRAN = 1;
export const ORDER_F = ORDER_FORTRAN;

/** The basic elements of one item, in order, as (element size in bytes, how many) pairs. */
type Signature = readonly (readonly [number, number])[];

interface Layout {
  readonly plan: readonly Run[];
  /** Bytes of data in one item (MPI_Type_size). */
  readonly size: number;
  readonly lb: number;
  readonly ub: number;
  /** Bounds of the bytes actually touched (MPI_Type_get_true_extent). */
  readonly trueLb: number;
  readonly trueUb: number;
  readonly signature: Signature;
  /** The typed array every basic element reads as, or null when they differ (a struct of mixed fields). */
  readonly element: ElementArray | null;
  /** Alignment of the strictest basic element, for the padding of Create_struct (MPI-4.0 §5.1.6). */
  readonly align: number;
}

/** One block of a derived type: `count` items of `type` whose first item's origin is at byte `displacement`. */
interface Block { readonly displacement: number; readonly count: number; readonly type: Layout }

/** A predefined type: one basic element of `size` bytes (a complex number is one element of two typed-array slots). */
function basic(size: number, element: ElementArray | null): Layout {
  return {
    plan: size === 0 ? [] : [{ offset: 0, length: size, repeat: 1, stride: 0 }],
    size, lb: 0, ub: size, trueLb: 0, trueUb: size,
    signature: size === 0 ? [] : [[size, 1]],
    element, align: element?.BYTES_PER_ELEMENT ?? 1,
  };
}

function appendSignature(into: (readonly [number, number])[], sig: Signature, times: number): void {
  if (times === 0) return;
  // A homogeneous signature repeats as one pair; a mixed one is spelled out.
  const reps = sig.length === 1 ? 1 : times;
  for (let t = 0; t < reps; t++) {
    for (const [size, n] of sig) {
      const k = sig.length === 1 ? n * times : n;
      const last = into[into.length - 1];
      if (last && last[0] === size) into[into.length - 1] = [size, last[1] + k];
      else into.push([size, k]);
    }
  }
}

/** True when items follow each other with no gap: count items are one run of count * size bytes. */
function dense(t: Layout): boolean {
  const run = t.plan[0];
  return t.plan.length === 1 && run!.repeat === 1 && run!.offset === t.lb && run!.length === t.size && t.ub - t.lb === t.size;
}

/** The layout of a type made of blocks of other types (every constructor reduces to this: MPI's hindexed/struct). */
function compose(blocks: readonly Block[]): Layout {
  const plan: Run[] = [];
  const signature: (readonly [number, number])[] = [];
  let size = 0, lb = Infinity, ub = -Infinity, trueLb = Infinity, trueUb = -Infinity, align = 1;
  let element: ElementArray | null | undefined;
  for (const { displacement, count, type } of blocks) {
    if (count === 0) continue;
    const extent = type.ub - type.lb;
    if (dense(type)) {
      appendRun(plan, displacement + type.lb, count * type.size);
    } else {
      for (let k = 0; k < count; k++) appendPlan(plan, type.plan, displacement + k * extent);
    }
    appendSignature(signature, type.signature, count);
    size += count * type.size;
    const first = displacement, last = displacement + (count - 1) * extent;
    lb = Math.min(lb, first + type.lb, last + type.lb);
    ub = Math.max(ub, first + type.ub, last + type.ub);
    if (type.size > 0) {
      trueLb = Math.min(trueLb, first + type.trueLb, last + type.trueLb);
      trueUb = Math.max(trueUb, first + type.trueUb, last + type.trueUb);
    }
    align = Math.max(align, type.align);
    if (type.size > 0) element = element === undefined || element === type.element ? type.element : null;
  }
  if (lb === Infinity) lb = ub = 0;
  if (trueLb === Infinity) trueLb = trueUb = 0;
  return { plan, size, lb, ub, trueLb, trueUb, signature, element: element ?? null, align };
}

/** How a datatype was made (`t.combiner`, Get_envelope; MPI-4.0 §5.1.13). */
export const COMBINER_NAMED = 0, COMBINER_DUP = 1, COMBINER_CONTIGUOUS = 2, COMBINER_VECTOR = 3, COMBINER_HVECTOR = 4,
  COMBINER_INDEXED = 5, COMBINER_HINDEXED = 6, COMBINER_INDEXED_BLOCK = 7, COMBINER_HINDEXED_BLOCK = 8,
  COMBINER_STRUCT = 9, COMBINER_SUBARRAY = 10, COMBINER_RESIZED = 11, COMBINER_DARRAY = 12;

/** How Create_darray distributes a dimension (MPI-4.0 §5.1.4), with Open MPI's values. */
export const DISTRIBUTE_BLOCK = 0, DISTRIBUTE_CYCLIC = 1, DISTRIBUTE_NONE = 2, DISTRIBUTE_DFLT_DARG = -1;

/** The arguments a derived type was made with (MPI_Type_get_contents): integers, addresses (bytes), datatypes. */
export type Contents = [integers: number[], addresses: number[], datatypes: Datatype[]];

export class Datatype {
  readonly #layout: Layout;
  #name: string;
  #committed: boolean;
  #freed = false;
  readonly #predefined: boolean;
  /** How it was made: MPI.COMBINER_NAMED for the predefined types, MPI.COMBINER_VECTOR, ... */
  readonly combiner: number;
  readonly #contents: Contents;

  /** @internal Datatypes are the predefined ones or made by their Create_* methods, not with `new`. */
  constructor(layout: Layout, name: string, combiner: number, contents: Contents = [[], [], []]) {
    this.#layout = layout;
    this.#name = name;
    this.#predefined = combiner === COMBINER_NAMED;
    this.#committed = this.#predefined;
    this.combiner = combiner;
    this.#contents = contents;
  }

  /** [num_integers, num_addresses, num_datatypes, combiner] (MPI_Type_get_envelope). */
  Get_envelope(): [number, number, number, number] {
    const [integers, addresses, datatypes] = this.#contents;
    return [integers.length, addresses.length, datatypes.length, this.combiner];
  }

  /** The constructor's arguments, as MPI-4.0 §5.1.13 lists them (MPI_Type_get_contents); ERR_TYPE for a predefined type. */
  Get_contents(): Contents {
    this.#alive("Get_contents");
    if (this.#predefined) throw new MPIError("ERR_TYPE", `Get_contents: ${this.#name} is predefined; it has no contents (see Get_envelope)`);
    const [integers, addresses, datatypes] = this.#contents;
    return [[...integers], [...addresses], [...datatypes]];
  }

  // ---- what it is ----------------------------------------------------------------------------------------

  get size(): number { return this.#layout.size; }
  get lb(): number { return this.#layout.lb; }
  get ub(): number { return this.#layout.ub; }
  get extent(): number { return this.#layout.ub - this.#layout.lb; }
  get true_lb(): number { return this.#layout.trueLb; }
  get true_ub(): number { return this.#layout.trueUb; }
  get true_extent(): number { return this.#layout.trueUb - this.#layout.trueLb; }
  get name(): string { return this.#name; }

  [inspectCustom](_depth: number, options: object, inspect: Inspect): string {
    return inspectAs("Datatype", { name: this.#name, size: this.size, extent: this.extent, committed: this.#committed }, options, inspect);
  }
  get is_predefined(): boolean { return this.#predefined; }
  get committed(): boolean { return this.#committed; }
  /** True for DATATYPE_NULL and freed datatypes (mpi4py: `t == MPI.DATATYPE_NULL`). */
  get isNull(): boolean { return this.#freed || this === DATATYPE_NULL; }
  /** The typed array one basic element reads as (Float64Array for DOUBLE and its derived types); null if mixed. */
  get element(): ElementArray | null { return this.#layout.element; }

  /** @internal The typed array whose elements are exactly the basic elements (not complex pairs), for reductions. */
  get scalar(): ElementArray | null {
    const { element, signature } = this.#layout;
    return element && signature.every(([size]) => size === element.BYTES_PER_ELEMENT) ? element : null;
  }

  Get_size(): number { return this.size; }
  /** [lb, extent] (MPI_Type_get_extent). */
  Get_extent(): [number, number] { return [this.lb, this.extent]; }
  /** [true_lb, true_extent]: the bytes the type actually touches (MPI_Type_get_true_extent). */
  Get_true_extent(): [number, number] { return [this.true_lb, this.true_extent]; }
  Get_name(): string { return this.#name; }
  Set_name(name: string): void {
    if (typeof name !== "string") throw new MPIError("ERR_ARG", `Set_name: name must be a string, got ${describe(name)}`);
    this.#name = name;
  }

  /** @internal The layout, for packing; throws ERR_TYPE naming `where` for DATATYPE_NULL, freed or uncommitted types. */
  usable(where: string): Layout {
    if (this === DATATYPE_NULL) throw new MPIError("ERR_TYPE", `${where}: MPI.DATATYPE_NULL is not a datatype`);
    if (this.#freed) throw new MPIError("ERR_TYPE", `${where}: datatype ${this.#name} was freed`);
    if (!this.#committed) throw new MPIError("ERR_TYPE", `${where}: datatype ${this.#name} is not committed; call Commit() before using it to communicate`);
    return this.#layout;
  }

  /** @internal The packing plan (read by pending operations even after Free, as MPI lets them complete). */
  get plan(): readonly Run[] { return this.#layout.plan; }

  /** @internal Whether `count` items are one block of count * size bytes (received and sent in place). */
  get dense(): boolean { return dense(this.#layout); }

  // ---- life cycle ----------------------------------------------------------------------------------------

  /** Makes the type usable in communication (MPI_Type_commit); returns it, as mpi4py does. */
  Commit(): this {
    this.#alive("Commit");
    this.#committed = true;
    return this;
  }

  /** Frees the type (MPI_Type_free); any later use is ERR_TYPE. Types made from it are not affected. */
  Free(): void {
    this.#alive("Free");
    if (this.#predefined) throw new MPIError("ERR_TYPE", `Free: ${this.#name} is predefined and cannot be freed`);
    this.#freed = true;
  }

  /** A copy with the same layout, committed if this one is (MPI_Type_dup). */
  Dup(): Datatype {
    const t = this.#derive("Dup", this.#layout, COMBINER_DUP, [], []);
    t.#committed = this.#committed;
    return t;
  }

  #alive(call: string): Layout {
    if (this === DATATYPE_NULL) throw new MPIError("ERR_TYPE", `${call}: MPI.DATATYPE_NULL is not a datatype`);
    if (this.#freed) throw new MPIError("ERR_TYPE", `${call}: datatype ${this.#name} was freed`);
    return this.#layout;
  }

  #derive(call: string, layout: Layout, combiner: number, integers: number[], addresses: number[]): Datatype {
    this.#alive(call);
    return new Datatype(layout, `${call}(${this.#name})`, combiner, [integers, addresses, [this]]);
  }

  // ---- constructors (MPI-4.0 §5.1.2-§5.1.7) --------------------------------------------------------------

  /** `count` items of this type, one after the other. */
  Create_contiguous(count: number): Datatype {
    const old = this.#alive("Create_contiguous");
    count = nonNegative("Create_contiguous", "count", count);
    return this.#derive("Create_contiguous", compose([{ displacement: 0, count, type: old }]), COMBINER_CONTIGUOUS, [count], []);
  }

  /** `count` blocks of `blocklength` items, block i starting `i * stride` items (extents) from the first. */
  Create_vector(count: number, blocklength: number, stride: number): Datatype {
    const call = "Create_vector";
    const old = this.#alive(call);
    stride = integer(call, "stride", stride);
    return this.#derive(call, this.#strided(call, count, blocklength, stride * (old.ub - old.lb)), COMBINER_VECTOR, [count, blocklength, stride], []);
  }

  /** As Create_vector with the stride in bytes. */
  Create_hvector(count: number, blocklength: number, stride: number): Datatype {
    const call = "Create_hvector";
    this.#alive(call);
    stride = integer(call, "stride", stride);
    return this.#derive(call, this.#strided(call, count, blocklength, stride), COMBINER_HVECTOR, [count, blocklength], [stride]);
  }

  #strided(call: string, count: number, blocklength: number, strideBytes: number): Layout {
    const type = this.#layout;
    count = nonNegative(call, "count", count);
    blocklength = nonNegative(call, "blocklength", blocklength);
    return compose(Array.from({ length: count }, (_, i) => ({ displacement: i * strideBytes, count: blocklength, type })));
  }

  /** Blocks of `blocklengths[i]` items at `displacements[i]` items (extents). */
  Create_indexed(blocklengths: readonly number[], displacements: readonly number[]): Datatype {
    return this.#indexed("Create_indexed", blocklengths, displacements, this.extent, COMBINER_INDEXED);
  }

  /** As Create_indexed with the displacements in bytes. */
  Create_hindexed(blocklengths: readonly number[], displacements: readonly number[]): Datatype {
    return this.#indexed("Create_hindexed", blocklengths, displacements, 1, COMBINER_HINDEXED);
  }

  /** Blocks of `blocklength` items each at `displacements[i]` items (extents). */
  Create_indexed_block(blocklength: number, displacements: readonly number[]): Datatype {
    return this.#block("Create_indexed_block", blocklength, displacements, this.extent, COMBINER_INDEXED_BLOCK);
  }

  /** As Create_indexed_block with the displacements in bytes. */
  Create_hindexed_block(blocklength: number, displacements: readonly number[]): Datatype {
    return this.#block("Create_hindexed_block", blocklength, displacements, 1, COMBINER_HINDEXED_BLOCK);
  }

  #block(call: string, blocklength: number, displacements: readonly number[], unit: number, combiner: number): Datatype {
    this.#alive(call);
    const n = nonNegative(call, "blocklength", blocklength);
    const displs = integers(call, "displacements", displacements);
    return this.#indexed(call, displs.map(() => n), displs, unit, combiner);
  }

  /** The indexed family; its contents (MPI-4.0 §5.1.13) list one block length for the _block forms, displacements as integers or (h) addresses. */
  #indexed(call: string, blocklengths: readonly number[], displacements: readonly number[], unit: number, combiner: number): Datatype {
    const type = this.#alive(call);
    const lengths = integers(call, "blocklengths", blocklengths, 0);
    const displs = integers(call, "displacements", displacements);
    if (lengths.length !== displs.length) {
      throw new MPIError("ERR_ARG", `${call}: blocklengths has ${lengths.length} entries but displacements has ${displs.length}`);
    }
    const block = combiner === COMBINER_INDEXED_BLOCK || combiner === COMBINER_HINDEXED_BLOCK;
    const bytes = combiner === COMBINER_HINDEXED || combiner === COMBINER_HINDEXED_BLOCK;
    const ints = [lengths.length, ...(block ? lengths.slice(0, 1) : lengths), ...(bytes ? [] : displs)];
    if (block && lengths.length === 0) ints.push(0);
    return this.#derive(call, compose(lengths.map((count, i) => ({ displacement: displs[i]! * unit, count, type }))), combiner, ints, bytes ? displs : []);
  }

  /**
   * The subarray `subsizes` starting at `starts` of an array of `sizes` items of this type, in C (row-major) or
   * Fortran order; its extent is the whole array's, so consecutive items are consecutive arrays.
   */
  Create_subarray(sizes: readonly number[], subsizes: readonly number[], starts: readonly number[], order: number = ORDER_C): Datatype {
    const call = "Create_subarray";
    const type = this.#alive(call);
    const full = integers(call, "sizes", sizes, 1);
    const sub = integers(call, "subsizes", subsizes, 0);
    const at = integers(call, "starts", starts, 0);
    if (full.length === 0 || sub.length !== full.length || at.length !== full.length) {
      throw new MPIError("ERR_ARG", `${call}: sizes, subsizes and starts must have the same number (≥ 1) of dimensions, got ${full.length}, ${sub.length}, ${at.length}`);
    }
    if (order !== ORDER_C && order !== ORDER_FORTRAN) throw new MPIError("ERR_ARG", `${call}: order must be MPI.ORDER_C or MPI.ORDER_FORTRAN, got ${String(order)}`);
    full.forEach((n, d) => {
      if (at[d]! + sub[d]! > n) throw new MPIError("ERR_ARG", `${call}: dimension ${d}: starts ${at[d]} + subsizes ${sub[d]} exceed sizes ${n}`);
    });
    // Row-major from here on: Fortran order is C order with the dimensions reversed.
    const [n, s, a] = order === ORDER_C ? [full, sub, at] : [[...full].reverse(), [...sub].reverse(), [...at].reverse()];
    const extent = type.ub - type.lb;
    const rank = n.length;
    const blocks: Block[] = [];
    const index = new Array<number>(rank - 1).fill(0);
    const rows = s.slice(0, -1).reduce((p, x) => p * x, 1);
    for (let row = 0; row < rows && s[rank - 1]! > 0; row++) {
      let offset = 0;
      for (let d = 0; d < rank; d++) offset = offset * n[d]! + a[d]! + (d < rank - 1 ? index[d]! : 0);
      blocks.push({ displacement: offset * extent, count: s[rank - 1]!, type });
      for (let d = rank - 2; d >= 0; d--) {
        if (++index[d]! < s[d]!) break;
        index[d] = 0;
      }
    }
    const layout = compose(blocks);
    const total = n.reduce((p, x) => p * x, 1) * extent;
    return this.#derive(call, { ...layout, lb: type.lb, ub: type.lb + total }, COMBINER_SUBARRAY, [full.length, ...full, ...sub, ...at, order], []);
  }

  /**
   * Process `rank`'s part of a global array of `gsizes` items distributed over a grid of `psizes` processes
   * (row-major ranks, whatever the array's `order`), each dimension by block, cyclic or not at all (MPI-4.0
   * §5.1.4, as HPF). The extent is the whole global array's, so a file view of it reads every rank's part.
   */
  Create_darray(size: number, rank: number, gsizes: readonly number[], distribs: readonly number[], dargs: readonly number[],
    psizes: readonly number[], order: number = ORDER_C): Datatype {
    const call = "Create_darray";
    const type = this.#alive(call);
    size = integer(call, "size", size, 1);
    rank = integer(call, "rank", rank, 0);
    if (rank >= size) throw new MPIError("ERR_ARG", `${call}: rank ${rank} is not in 0..${size - 1}`);
    const global = integers(call, "gsizes", gsizes, 1);
    const how = integers(call, "distribs", distribs);
    const arg = integers(call, "dargs", dargs);
    const grid = integers(call, "psizes", psizes, 1);
    const dims = global.length;
    if (dims === 0 || how.length !== dims || arg.length !== dims || grid.length !== dims) {
      throw new MPIError("ERR_ARG", `${call}: gsizes, distribs, dargs and psizes must have the same number (≥ 1) of dimensions, got ${dims}, ${how.length}, ${arg.length}, ${grid.length}`);
    }
    if (order !== ORDER_C && order !== ORDER_FORTRAN) throw new MPIError("ERR_ARG", `${call}: order must be MPI.ORDER_C or MPI.ORDER_FORTRAN, got ${String(order)}`);
    if (grid.reduce((p, x) => p * x, 1) !== size) throw new MPIError("ERR_ARG", `${call}: psizes [${grid.join(", ")}] make ${grid.reduce((p, x) => p * x, 1)} processes, not size ${size}`);
    // This rank's coordinates in the process grid: row-major, as MPI prescribes for every order.
    const coords = new Array<number>(dims);
    for (let d = dims - 1, r = rank; d >= 0; d--) { coords[d] = r % grid[d]!; r = Math.floor(r / grid[d]!); }
    const owned = global.map((n, d) => ownedIndices(call, d, n, how[d]!, arg[d]!, grid[d]!, coords[d]!));
    // Row-major from here on: Fortran order is C order with the dimensions reversed.
    const [n, own] = order === ORDER_C ? [global, owned] : [[...global].reverse(), [...owned].reverse()];
    const extent = type.ub - type.lb;
    const blocks: Block[] = [];
    const last = own[dims - 1]!;
    const runs: [number, number][] = []; // [first index, length] of the last dimension's consecutive indices
    for (const i of last) {
      const run = runs[runs.length - 1];
      if (run && run[0] + run[1] === i) run[1]++;
      else runs.push([i, 1]);
    }
    const index = new Array<number>(dims - 1).fill(0);
    const rows = own.slice(0, -1).reduce((p, x) => p * x.length, 1);
    for (let row = 0; row < rows && runs.length > 0; row++) {
      let offset = 0;
      for (let d = 0; d < dims - 1; d++) offset = offset * n[d]! + own[d]![index[d]!]!;
      for (const [first, length] of runs) blocks.push({ displacement: (offset * n[dims - 1]! + first) * extent, count: length, type });
      for (let d = dims - 2; d >= 0; d--) {
        if (++index[d]! < own[d]!.length) break;
        index[d] = 0;
      }
    }
    const layout = compose(blocks);
    const total = n.reduce((p, x) => p * x, 1) * extent;
    return this.#derive(call, { ...layout, lb: type.lb, ub: type.lb + total }, COMBINER_DARRAY,
      [size, rank, dims, ...global, ...how, ...arg, ...grid, order], []);
  }

  /** The same data with new bounds: lower bound `lb`, extent `extent` (bytes). */
  Create_resized(lb: number, extent: number): Datatype {
    const call = "Create_resized";
    const layout = this.#alive(call);
    lb = integer(call, "lb", lb);
    extent = integer(call, "extent", extent);
    return this.#derive(call, { ...layout, lb, ub: lb + extent }, COMBINER_RESIZED, [], [lb, extent]);
  }

  /**
   * A type of `blocklengths[i]` items of `datatypes[i]` at byte `displacements[i]` each (a C struct); its extent is
   * padded to the alignment of its strictest field, as a C compiler pads a struct.
   */
  static Create_struct(blocklengths: readonly number[], displacements: readonly number[], datatypes: readonly Datatype[]): Datatype {
    const call = "Create_struct";
    const lengths = integers(call, "blocklengths", blocklengths, 0);
    const displs = integers(call, "displacements", displacements);
    if (!Array.isArray(datatypes) || !datatypes.every((t) => t instanceof Datatype)) {
      throw new MPIError("ERR_TYPE", `${call}: datatypes must be an array of MPI.Datatype, got ${describe(datatypes)}`);
    }
    if (lengths.length !== displs.length || lengths.length !== datatypes.length) {
      throw new MPIError("ERR_ARG", `${call}: blocklengths, displacements and datatypes have ${lengths.length}, ${displs.length} and ${datatypes.length} entries; they must match`);
    }
    const layout = compose(lengths.map((count, i) => ({ displacement: displs[i]!, count, type: datatypes[i]!.#alive(call) })));
    const pad = (layout.align - ((layout.ub - layout.lb) % layout.align)) % layout.align;
    return new Datatype({ ...layout, ub: layout.ub + pad }, "Create_struct", COMBINER_STRUCT, [[lengths.length, ...lengths], displs, [...datatypes]]);
  }

  // ---- packing (MPI-4.0 §5.2) ----------------------------------------------------------------------------

  /** Bytes that Pack needs for `count` items (MPI_Pack_size). */
  Pack_size(count: number, comm: Comm): number {
    const call = "Pack_size";
    this.usable(call);
    checkComm(call, comm);
    return nonNegative(call, "count", count) * this.size;
  }

  /**
   * Packs the items `inbuf` holds (its bytes divided by the extent, as mpi4py counts them) into `outbuf` at
   * `position`; returns the position after them (MPI_Pack).
   */
  Pack(inbuf: Buffer, outbuf: Buffer, position: number, comm: Comm): number {
    return this.#pack("Pack", inbuf, outbuf, position, comm, "pack");
  }

  /** Unpacks from `inbuf` at `position` as many items as `outbuf` holds; returns the new position (MPI_Unpack). */
  Unpack(inbuf: Buffer, position: number, outbuf: Buffer, comm: Comm): number {
    return this.#pack("Unpack", outbuf, inbuf, position, comm, "unpack");
  }

  #pack(call: string, itemsBuf: Buffer, packedBuf: Buffer, position: number, comm: Comm, direction: "pack" | "unpack"): number {
    const layout = this.usable(call);
    checkComm(call, comm);
    const [itemsName, packedName] = direction === "pack" ? ["inbuf", "outbuf"] : ["outbuf", "inbuf"];
    const memory = bytesOf(checkBuffer(call, itemsName, itemsBuf));
    const packed = bytesOf(checkBuffer(call, packedName, packedBuf));
    position = nonNegative(call, "position", position);
    const count = this.extent > 0 ? Math.floor(memory.length / this.extent) : 0;
    checkSpan(call, itemsName, this, count, memory.length);
    const bytes = count * this.size;
    if (position + bytes > packed.length) {
      throw new MPIError("ERR_TRUNCATE", `${call}: ${count} items of ${this.#name} need ${bytes} packed bytes from position ${position}, but ${packedName} has ${packed.length}`);
    }
    return transfer(layout.plan, this.extent, count, memory, packed, position, bytes, direction);
  }

  /** How many whole items `bytes` bytes hold and how many basic elements a partial item adds; -1 if one is cut. */
  elementsIn(bytes: number): number {
    const { size, signature } = this.#layout;
    if (size === 0) return bytes === 0 ? 0 : -1;
    const items = Math.floor(bytes / size);
    let rest = bytes - items * size;
    let elements = items * signature.reduce((n, [, k]) => n + k, 0);
    for (const [s, k] of signature) {
      if (rest === 0) break;
      const whole = Math.min(k, Math.floor(rest / s));
      elements += whole;
      rest -= whole * s;
      if (whole < k) break;
    }
    return rest === 0 ? elements : -1;
  }
}

/**
 * Checks that `count` items of `type` stay inside a buffer of `length` bytes (item k's origin at k * extent from
 * its start); ERR_BUFFER naming the argument otherwise.
 */
export function checkSpan(where: string, name: string, type: Datatype, count: number, length: number): void {
  if (count === 0 || type.size === 0) return;
  const last = (count - 1) * type.extent;
  const low = Math.min(type.true_lb, last + type.true_lb);
  const high = Math.max(type.true_ub, last + type.true_ub);
  if (low < 0 || high > length) {
    throw new MPIError("ERR_BUFFER", `${where}: ${count} items of ${type.name} span bytes ${low}..${high} but ${name} has ${length} bytes`);
  }
}

function checkComm(call: string, comm: unknown): void {
  if (typeof (comm as Comm | null)?.where !== "function") throw new MPIError("ERR_COMM", `${call}: comm must be an MPI.Comm, got ${describe(comm)}`);
  (comm as Comm).where(call); // ERR_COMM for COMM_NULL and freed communicators
}

function integer(call: string, name: string, value: unknown, min = -Infinity): number {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    throw new MPIError(min === 0 ? "ERR_COUNT" : "ERR_ARG", `${call}: ${name} must be an integer${min === -Infinity ? "" : ` ≥ ${min}`}, got ${String(value)}`);
  }
  return value as number;
}

function nonNegative(call: string, name: string, value: unknown): number {
  return integer(call, name, value, 0);
}

/**
 * The indices of dimension `d` (of `n` items) that grid coordinate `coord` of `procs` owns under `distrib`, in
 * increasing order: a block of ⌈n/procs⌉ (or `darg`) items, blocks of `darg` (default 1) dealt round-robin, or all.
 */
function ownedIndices(call: string, d: number, n: number, distrib: number, darg: number, procs: number, coord: number): number[] {
  const where = `${call}: dimension ${d}`;
  if (distrib === DISTRIBUTE_NONE) {
    if (procs !== 1) throw new MPIError("ERR_ARG", `${where}: DISTRIBUTE_NONE needs psizes 1, got ${procs}`);
    return Array.from({ length: n }, (_, i) => i);
  }
  if (darg !== DISTRIBUTE_DFLT_DARG && darg < 1) throw new MPIError("ERR_ARG", `${where}: darg must be positive or DISTRIBUTE_DFLT_DARG, got ${darg}`);
  if (distrib === DISTRIBUTE_BLOCK) {
    const block = darg === DISTRIBUTE_DFLT_DARG ? Math.ceil(n / procs) : darg;
    if (block * procs < n) throw new MPIError("ERR_ARG", `${where}: blocks of ${block} on ${procs} processes cover ${block * procs} of ${n} items`);
    const from = Math.min(n, coord * block), to = Math.min(n, from + block);
    return Array.from({ length: to - from }, (_, i) => from + i);
  }
  if (distrib === DISTRIBUTE_CYCLIC) {
    const block = darg === DISTRIBUTE_DFLT_DARG ? 1 : darg;
    const out: number[] = [];
    for (let start = coord * block; start < n; start += procs * block) {
      for (let i = start; i < Math.min(n, start + block); i++) out.push(i);
    }
    return out;
  }
  throw new MPIError("ERR_ARG", `${where}: distribs must be DISTRIBUTE_BLOCK, DISTRIBUTE_CYCLIC or DISTRIBUTE_NONE, got ${distrib}`);
}

function integers(call: string, name: string, value: unknown, min = -Infinity): number[] {
  if (!Array.isArray(value) && !(ArrayBuffer.isView(value) && !(value instanceof DataView))) {
    throw new MPIError("ERR_ARG", `${call}: ${name} must be an array of integers, got ${describe(value)}`);
  }
  return Array.from(value as ArrayLike<unknown>, (v, i) => integer(call, `${name}[${i}]`, typeof v === "bigint" ? Number(v) : v, min));
}

// ---- predefined datatypes (mpi4py's names; C type sizes of LP64 Linux, where Open MPI and MPICH run) -------

function named(name: string, size: number, element: ElementArray | null): Datatype {
  return new Datatype(basic(size, element), name, COMBINER_NAMED);
}

export const DATATYPE_NULL: Datatype = new Datatype(basic(0, null), "MPI_DATATYPE_NULL", COMBINER_NAMED);
export const BYTE = named("MPI_BYTE", 1, Uint8Array);
export const PACKED = named("MPI_PACKED", 1, Uint8Array);
export const CHAR = named("MPI_CHAR", 1, Int8Array);
export const WCHAR = named("MPI_WCHAR", 4, Int32Array);
export const SIGNED_CHAR = named("MPI_SIGNED_CHAR", 1, Int8Array);
export const UNSIGNED_CHAR = named("MPI_UNSIGNED_CHAR", 1, Uint8Array);
export const SHORT = named("MPI_SHORT", 2, Int16Array);
export const UNSIGNED_SHORT = named("MPI_UNSIGNED_SHORT", 2, Uint16Array);
export const INT = named("MPI_INT", 4, Int32Array);
export const UNSIGNED = named("MPI_UNSIGNED", 4, Uint32Array);
export const LONG = named("MPI_LONG", 8, BigInt64Array);
export const UNSIGNED_LONG = named("MPI_UNSIGNED_LONG", 8, BigUint64Array);
export const LONG_LONG = named("MPI_LONG_LONG", 8, BigInt64Array);
export const UNSIGNED_LONG_LONG = named("MPI_UNSIGNED_LONG_LONG", 8, BigUint64Array);
export const INT8_T = named("MPI_INT8_T", 1, Int8Array);
export const INT16_T = named("MPI_INT16_T", 2, Int16Array);
export const INT32_T = named("MPI_INT32_T", 4, Int32Array);
export const INT64_T = named("MPI_INT64_T", 8, BigInt64Array);
export const UINT8_T = named("MPI_UINT8_T", 1, Uint8Array);
export const UINT16_T = named("MPI_UINT16_T", 2, Uint16Array);
export const UINT32_T = named("MPI_UINT32_T", 4, Uint32Array);
export const UINT64_T = named("MPI_UINT64_T", 8, BigUint64Array);
export const FLOAT = named("MPI_FLOAT", 4, Float32Array);
export const DOUBLE = named("MPI_DOUBLE", 8, Float64Array);
export const C_BOOL = named("MPI_C_BOOL", 1, Uint8Array);
export const AINT = named("MPI_AINT", 8, BigInt64Array);
export const OFFSET = named("MPI_OFFSET", 8, BigInt64Array);
export const COUNT = named("MPI_COUNT", 8, BigInt64Array);
/** Complex numbers as (real, imaginary) pairs: a Float32Array or Float64Array of twice the length. */
export const C_FLOAT_COMPLEX = named("MPI_C_FLOAT_COMPLEX", 8, Float32Array);
export const C_DOUBLE_COMPLEX = named("MPI_C_DOUBLE_COMPLEX", 16, Float64Array);
// mpi4py's aliases
export const SIGNED_SHORT = SHORT, SIGNED_INT = INT, UNSIGNED_INT = UNSIGNED, SIGNED_LONG = LONG,
  SIGNED_LONG_LONG = LONG_LONG, BOOL = C_BOOL, C_COMPLEX = C_FLOAT_COMPLEX;

/** The datatype a plain buffer argument stands for: its typed array's element type; bytes for DataView/ArrayBuffer. */
export function typeOfBuffer(buf: Buffer): Datatype {
  return TYPE_OF_ARRAY.get((buf as object).constructor) ?? BYTE;
}

const TYPE_OF_ARRAY = new Map<unknown, Datatype>([
  [Int8Array, INT8_T], [Uint8Array, UINT8_T], [Uint8ClampedArray, UINT8_T], [Int16Array, INT16_T],
  [Uint16Array, UINT16_T], [Int32Array, INT32_T], [Uint32Array, UINT32_T], [Float32Array, FLOAT],
  [Float64Array, DOUBLE], [BigInt64Array, INT64_T], [BigUint64Array, UINT64_T],
]);
