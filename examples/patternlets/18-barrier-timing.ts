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
 *   - Comment out the second barrier: nobody waits any more, and each rank
 *     reports only its own work time.
 *   - Note that ranks do not leave a barrier at exactly the same instant:
 *     the times printed are each measured on the rank's own clock.
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

const waited = left - arrived;
console.log(
  `Process ${rank}: arrived at the barrier after ${arrived.toFixed(3)} s, ` +
    `waited ${waited.toFixed(3)} s there, left it after ${left.toFixed(3)} s`,
);

// Self-check. Careful: each rank's times are measured on its own clock from
// the moment *it* left the first barrier, and ranks leave a barrier at
// slightly different moments (how slightly depends on how busy the machine
// is). So we only compare times measured by the same rank, plus one fact that
// holds across ranks: the job lasts at least as long as its slowest rank.
const slack = 0.002; // sleeps and clocks are accurate to about a millisecond
if (arrived < (rank * delayMs) / 1000 - slack || waited < 0) {
  throw new Error(`rank ${rank}: impossible times: arrived ${arrived} s, waited ${waited} s`);
}
const lastToLeave = comm.allreduce(left, MPI.MAX);
if (lastToLeave < ((size - 1) * delayMs) / 1000 - slack) {
  throw new Error(`the job ended after ${lastToLeave} s, before its slowest rank could have finished`);
}
if (rank === 0) console.log(`All ranks passed the barrier; the slowest needed ${((size - 1) * delayMs) / 1000} s of work`);
