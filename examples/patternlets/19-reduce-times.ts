/**
 * Patternlet 19: reduction of per-rank times.
 *
 * What it teaches: how to report the time of a parallel program. Each rank
 * measures its own elapsed time; the time of the whole computation is the
 * *maximum* over ranks (nobody is done until the slowest is), so reduce with
 * MPI.MAX. MIN and the average (SUM / size) show how balanced the work was.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/19-reduce-times.ts
 *
 * Try:
 *   - Give every rank the same work and watch max, min and average converge.
 *   - Pass another base delay in ms: `... 19-reduce-times.ts 20`.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const delayMs = Number(process.argv[2] ?? 50);

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

comm.barrier();
const start = MPI.Wtime();
sleep((rank + 1) * delayMs); // rank r works (r+1) * delay
const myTime = MPI.Wtime() - start;

console.log(`Process ${rank} took ${myTime.toFixed(3)} s`);

// allreduce: every rank gets the results, so every rank can check them.
const maxTime = comm.allreduce(myTime, MPI.MAX);
const minTime = comm.allreduce(myTime, MPI.MIN);
const sumTime = comm.allreduce(myTime, MPI.SUM);

if (rank === 0) {
  console.log(`Max time: ${maxTime.toFixed(3)} s (the job's time)`);
  console.log(`Min time: ${minTime.toFixed(3)} s`);
  console.log(`Average:  ${(sumTime / size).toFixed(3)} s`);
}

// Self-check: my time lies between min and max, and the slowest rank worked
// at least size * delay.
if (myTime > maxTime || myTime < minTime || maxTime < (size * delayMs) / 1000 - 0.005) {
  throw new Error(`rank ${rank}: inconsistent times: mine ${myTime}, min ${minTime}, max ${maxTime}`);
}
