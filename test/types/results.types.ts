/**
 * Compile-time checks of what the API's results are typed as (npm test type-checks this file; nothing runs it):
 * results are what they are, not the argument's literal type, and mixed request lists type-check.
 */
import { MPI } from "mpi4ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function expectType<T extends true>(): void {}

declare const comm: MPI.Comm;
declare const rank: number;

const reduced = comm.reduce(1, MPI.SUM, 0);
expectType<Equal<typeof reduced, number | null>>();
const sum = comm.allreduce(rank);
expectType<Equal<typeof sum, number>>();
const all = comm.allreduce(true, MPI.LAND);
expectType<Equal<typeof all, boolean>>();
const anyOf = comm.allreduce(rank, MPI.LOR);
expectType<Equal<typeof anyOf, boolean>>();
const flags = comm.allreduce([1, 0, 1], MPI.LAND);
expectType<Equal<typeof flags, boolean[]>>();
const best = comm.allreduce([3.5, rank], MPI.MAXLOC);
expectType<Equal<typeof best, [number, number]>>();
const words = comm.scan("a");
expectType<Equal<typeof words, string>>();
const before = comm.exscan(2n);
expectType<Equal<typeof before, bigint | undefined>>();
const pending = comm.iallreduce(false, MPI.LXOR);
expectType<Equal<typeof pending, MPI.Request<boolean>>>();

const data = comm.bcast<number[]>(rank === 0 ? [1, 2, 3] : null, 0);
expectType<Equal<typeof data, number[]>>();
const config = comm.bcast(rank === 0 ? { steps: 10 } : null);
expectType<Equal<typeof config, { steps: number }>>();

const requests = [comm.irecv<number>(0, 1), comm.Irecv(new Float64Array(4), 0, 2), comm.irecv<string>(0, 3)];
const values = MPI.Request.waitall(requests);
expectType<Equal<typeof values, (number | string | void)[]>>();
const [index, first] = MPI.Request.waitany(requests);
expectType<Equal<typeof index, number>>();
expectType<Equal<typeof first, number | string | void | undefined>>();

// Op.Create: a function typed (a: T, b: T) => T makes an op whose reductions give a T; unannotated functions
// and buffer functions still compile.
interface Extent { lo: number; hi: number }
const hull = MPI.Op.Create((a: Extent, b: Extent): Extent => ({ lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) }));
expectType<Equal<typeof hull, MPI.ValueOp<Extent>>>();
const range = comm.allreduce({ lo: rank, hi: rank }, hull);
expectType<Equal<typeof range, Extent>>();
const rangeAtRoot = comm.reduce({ lo: rank, hi: rank }, hull, 0);
expectType<Equal<typeof rangeAtRoot, Extent | null>>();
const loose = MPI.Op.Create((a, b) => a + b);
const looseSum = comm.allreduce(rank, loose);
expectType<Equal<typeof looseSum, number>>();
const addInto = MPI.Op.Create((invec: Float64Array, inoutvec: Float64Array) => { inoutvec.forEach((v, i) => { inoutvec[i] = v + invec[i]!; }); });
expectType<Equal<typeof addInto, MPI.Op>>();
