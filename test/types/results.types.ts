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
