/**
 * Cartesian topologies (MPI-4.0 §8.5): `Compute_dims`, `comm.Create_cart(dims, periods, reorder)` and the
 * Cartcomm communicator with its coordinates, shifts and sub-grids. Ranks are laid out in row-major order (the
 * last dimension varies fastest), as in MPI.
 */
import { PROC_NULL } from "./constants.js";
import { type Comm, type EngineBinding, COMM_NULL } from "./comm.js";
import { MPIError } from "./errors.js";
import { describe } from "./datatype.js";
import { hooks } from "./collective/hooks.js";
import { handleErrorsOf } from "./errhandler.js";
import { CART, Topocomm, type Neighbourhood } from "./topocomm.js";
import { agree, gridNodes, gridRefusal } from "./topology.js";

export { CART };

export class Cartcomm extends Topocomm {
  readonly #dims: readonly number[];
  readonly #periods: readonly boolean[];
  #hood: Neighbourhood | undefined;

  /** @internal Made by `Create_cart` and `Sub`. */
  constructor(engineComm: EngineBinding, name: string, dims: readonly number[], periods: readonly boolean[]) {
    super(engineComm, name);
    this.#dims = Object.freeze([...dims]);
    this.#periods = Object.freeze([...periods]);
  }

  /** Number of dimensions. */
  get ndim(): number { return this.#dims.length; }
  get dims(): number[] { return [...this.#dims]; }
  protected override inspectName(): string { return "Cartcomm"; }
  protected override inspectFields(): Record<string, unknown> {
    return { ...super.inspectFields(), dims: this.dims, periods: this.periods, coords: this.coords };
  }
  get periods(): boolean[] { return [...this.#periods]; }
  /** This rank's coordinates. */
  get coords(): number[] { return this.Get_coords(this.rank); }
  /** `[dims, periods, coords]` (mpi4py's `topo`). */
  get topo(): [number[], boolean[], number[]] { return this.Get_topo(); }
  Get_dim(): number { return this.ndim; }
  Get_topo(): [number[], boolean[], number[]] { return [this.dims, this.periods, this.coords]; }
  Get_topology(): number { this.engineComm("Get_topology"); return CART; }

  /**
   * @internal For each dimension, the source then the destination of a shift by 1 (MPI-4.0 §8.6). Sending to
   * the destination first and to the source second makes a rank's message to its destination land in that
   * rank's source block even when both are the same rank (two ranks on a periodic ring, or one).
   */
  neighbourhood(): Neighbourhood {
    if (this.#hood) return this.#hood;
    const ranks = this.#dims.flatMap((_, d) => this.Shift(d, 1));
    const sendOrder = this.#dims.flatMap((_, d) => [2 * d + 1, 2 * d]);
    return (this.#hood = { sources: ranks, destinations: ranks, sendOrder });
  }

  /** The coordinates of `rank` (MPI_Cart_coords). */
  Get_coords(rank: number): number[] {
    const size = this.size;
    if (!Number.isInteger(rank) || rank < 0 || rank >= size) {
      throw new MPIError("ERR_RANK", `${this.where("Get_coords")}: rank ${String(rank)} is not in 0..${size - 1}`);
    }
    const coords = new Array<number>(this.#dims.length);
    let r = rank;
    for (let d = this.#dims.length - 1; d >= 0; d--) {
      coords[d] = r % this.#dims[d]!;
      r = Math.floor(r / this.#dims[d]!);
    }
    return coords;
  }

  /** The rank at `coords` (MPI_Cart_rank); periodic dimensions wrap, open ones must be in range. */
  Get_cart_rank(coords: readonly number[]): number {
    const where = () => this.where("Get_cart_rank");
    if (!Array.isArray(coords) || coords.length !== this.#dims.length) {
      throw new MPIError("ERR_DIMS", `${where()}: coords must be an array of ${this.#dims.length} integers, got ${describe(coords)}`);
    }
    let rank = 0;
    for (let d = 0; d < this.#dims.length; d++) {
      let c = coords[d]!;
      const n = this.#dims[d]!;
      if (!Number.isInteger(c)) throw new MPIError("ERR_ARG", `${where()}: coords[${d}] is ${String(c)}, not an integer`);
      if (this.#periods[d]) c = ((c % n) + n) % n;
      else if (c < 0 || c >= n) {
        throw new MPIError("ERR_RANK", `${where()}: coords[${d}] = ${c} is outside 0..${n - 1} on a non-periodic dimension`);
      }
      rank = rank * n + c;
    }
    return rank;
  }

  /** `[source, dest]`: the ranks `disp` steps back and forward along `direction`; PROC_NULL past open edges. */
  Shift(direction: number, disp = 1): [number, number] {
    if (!Number.isInteger(direction) || direction < 0 || direction >= this.#dims.length) {
      throw new MPIError("ERR_DIMS", `${this.where("Shift")}: direction ${String(direction)} is not in 0..${this.#dims.length - 1}`);
    }
    if (!Number.isInteger(disp)) throw new MPIError("ERR_ARG", `${this.where("Shift")}: disp ${String(disp)} is not an integer`);
    const coords = this.coords;
    const n = this.#dims[direction]!;
    const at = (c: number): number => {
      if (this.#periods[direction]) c = ((c % n) + n) % n;
      else if (c < 0 || c >= n) return PROC_NULL;
      const cs = [...coords];
      cs[direction] = c;
      return this.Get_cart_rank(cs);
    };
    return [at(coords[direction]! - disp), at(coords[direction]! + disp)];
  }

  /** The sub-grid keeping the dimensions where `remain_dims` is true (MPI_Cart_sub; collective). */
  Sub(remain_dims: readonly (boolean | number)[]): Cartcomm {
    if (!Array.isArray(remain_dims) || remain_dims.length !== this.#dims.length) {
      throw new MPIError("ERR_DIMS", `${this.where("Sub")}: remain_dims must be an array of ${this.#dims.length} booleans, got ${describe(remain_dims)}`);
    }
    const c = this.engineComm("Sub");
    const coords = this.coords;
    let color = 0;
    this.#dims.forEach((n, d) => { if (!remain_dims[d]) color = color * n + coords[d]!; });
    const sub = c.split(color, c.rank);
    const keep = (_: unknown, d: number) => Boolean(remain_dims[d]);
    return new Cartcomm(sub!, `${this.name}_sub`, this.#dims.filter(keep), this.#periods.filter(keep));
  }

  /** A duplicate (Dup, Clone) keeps the topology. */
  override withEngine(engineComm: EngineBinding, name: string): this { return new Cartcomm(engineComm, name, this.#dims, this.#periods) as this; }
}

handleErrorsOf(Cartcomm);

/** Creates the Cartesian communicator (collective); ranks beyond the grid get COMM_NULL. */
function createCart(comm: Comm, dims: readonly number[], periods: readonly (boolean | number)[] | undefined, reorder: boolean): Comm {
  const call = "Create_cart";
  const c = comm.engineComm(call);
  void reorder; // Rank order is kept: on one machine no placement is better than another.
  // Every rank checks, then all agree, so one rank's bad grid is an error everywhere, not a wait in the split.
  const refusal = gridRefusal(c.size, dims, periods);
  const p = refusal === undefined ? (periods ?? dims.map(() => false)).map(Boolean) : [];
  // What every rank must agree on; a refused grid (maybe not even numbers) is reported by its refusal instead.
  agree(comm, call, refusal, "ERR_DIMS", refusal === undefined ? `dims [${dims.join(", ")}], periods [${p.join(", ")}]` : "");
  const nodes = gridNodes(dims);
  const sub = c.split(c.rank < nodes ? 0 : -1, c.rank);
  if (!sub) return COMM_NULL;
  return new Cartcomm(sub, `${comm.name}_cart`, dims, p);
}

hooks.createCart = createCart;

/**
 * A balanced grid shape for `nnodes` processes (MPI_Dims_create): `dims` gives the number of dimensions or an
 * array whose non-zero entries are kept; the zeros are filled as evenly as possible, in non-increasing order.
 */
export function Compute_dims(nnodes: number, dims: number | readonly number[]): number[] {
  const call = "Compute_dims";
  if (!Number.isInteger(nnodes) || nnodes < 1 || nnodes > INT32_MAX) {
    throw new MPIError("ERR_ARG", `${call}: nnodes ${String(nnodes)} must be an integer in 1..2**31-1`);
  }
  const saneLength = (n: number) => n <= MAX_NDIMS;
  let out: number[];
  if (typeof dims === "number") {
    if (!Number.isInteger(dims) || dims < 0 || !saneLength(dims)) throw new MPIError("ERR_DIMS", `${call}: ndims ${dims} must be an integer in 0..${MAX_NDIMS}`);
    out = new Array<number>(dims).fill(0);
  } else if (Array.isArray(dims) && saneLength(dims.length) && dims.every((n) => Number.isInteger(n) && n >= 0 && n <= INT32_MAX)) {
    out = [...dims];
  } else {
    throw new MPIError("ERR_DIMS", `${call}: dims must be a number of dimensions or an array of at most ${MAX_NDIMS} integers in 0..2**31-1, got ${describe(dims)}`);
  }
  const fixed = out.filter((n) => n > 0).reduce((a, b) => a * b, 1);
  const free = out.filter((n) => n === 0).length;
  if (nnodes % fixed !== 0) {
    throw new MPIError("ERR_DIMS", `${call}: the given dimensions [${out.join(", ")}] (product ${fixed}) do not divide nnodes ${nnodes}`);
  }
  const rest = nnodes / fixed;
  if (free === 0) {
    if (rest !== 1) throw new MPIError("ERR_DIMS", `${call}: the dimensions [${out.join(", ")}] multiply to ${fixed}, not ${nnodes}`);
    return out;
  }
  const factors = balanced(rest, free);
  let i = 0;
  return out.map((n) => (n === 0 ? factors[i++]! : n));
}

const INT32_MAX = 2 ** 31 - 1;
/** More dimensions than this is not a grid anyone means; the bound keeps a bad ndims from allocating gigabytes. */
const MAX_NDIMS = 1 << 16;

/** `k` factors of `n`, non-increasing, with the smallest spread between largest and smallest. */
export function balanced(n: number, k: number): number[] {
  // n has at most log2(n) factors above 1: search that many slots and pad with ones, so the search (and its
  // recursion) stays bounded however many dimensions are asked for.
  const most = Math.max(1, Math.floor(Math.log2(n)) + 1);
  if (k > most) return [...balanced(n, most), ...new Array<number>(k - most).fill(1)];
  const divisors: number[] = [];
  for (let d = 1; d * d <= n; d++) {
    if (n % d === 0) {
      divisors.push(d);
      if (d * d !== n) divisors.push(n / d);
    }
  }
  divisors.sort((a, b) => b - a);
  let best: number[] | null = null;
  const search = (left: number, slots: number, max: number, acc: number[]): void => {
    if (slots === 1) {
      if (left <= max) {
        const cand = [...acc, left];
        if (!best || cand[0]! - left < best[0]! - best[best.length - 1]!) best = cand;
      }
      return;
    }
    for (const d of divisors) {
      if (d > max || left % d !== 0) continue;
      if (d ** slots < left) break; // d is too small to be the largest of `slots` factors
      search(left / d, slots - 1, d, [...acc, d]);
    }
  };
  search(n, k, n, []);
  return best ?? [n, ...new Array<number>(k - 1).fill(1)];
}

