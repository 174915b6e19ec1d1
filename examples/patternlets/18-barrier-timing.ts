/**
 * Patternlet 18: barrier, and timing with Wtime.
 *
 * What it teaches: `barrier()` makes every rank wait until all ranks have
 * reached it. Here rank r first "works" for r * 100 ms, so the ranks arrive at
 * the barrier at different times; they all leave it together, once the
 * slowest has arrived. `MPI.Wtime()` returns seconds from a monotonic clock:
 * the difference of two calls is an elapsed time. A barrier before the first
 * Wtime is also the usual way to start a timing with every rank lined up.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/18-barrier-timing.ts
 *
 * Try:
 *   - Comment out the second barrier: each rank now reports only its own work time.
 *   - Pass another delay in ms: `... 18-barrier-timing.ts 250`.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const delayMs = Number(process.argv[2] ?? 100);

/** Sleep without busy-waiting, standing in for real work. */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

comm.barrier(); // line everyone up before starting the clock
const start = MPI.Wtime();

sleep(rank * delayMs); // uneven "work": rank r takes r * delay
const arrived = MPI.Wtime() - start;

comm.barrier(); // wait here for the slowest rank
const left = MPI.Wtime() - start;

console.log(`Process ${rank}: arrived at the barrier after ${arrived.toFixed(3)} s, left it after ${left.toFixed(3)} s`);

// Self-check: nobody leaves the barrier before the slowest rank has arrived,
// which is (size-1)*delay after the start (allow 5 ms of clock slack).
const slowest = ((size - 1) * delayMs) / 1000;
if (left < slowest - 0.005) {
  throw new Error(`rank ${rank} left the barrier after ${left} s, before the slowest rank arrived (${slowest} s)`);
}
