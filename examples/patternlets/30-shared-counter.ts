/**
 * Patternlet 30: a shared counter (one-sided dynamic load balancing).
 *
 * What it teaches: patternlet 17 balances load with messages, and its
 * conductor does nothing but answer "what next?". Here the head only *holds*
 * the queue: a counter in its memory window (MPI.Win.Allocate). Every rank,
 * the head included, claims its next task by atomically adding 1 to that
 * counter with Fetch_and_op, which also returns the old value: the task
 * number. No two ranks ever get the same number, nobody waits for an answer,
 * and the head never stops working to serve others (passive target: the
 * counter's owner takes no part in the updates). Lock_all opens a shared
 * access epoch to every rank; Flush makes each fetch complete before its
 * value is used.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/30-shared-counter.ts
 *
 * Try:
 *   - Pass the number of tasks: `... 30-shared-counter.ts 40`.
 *   - Run with -n 1: the head alone claims every task from its own counter.
 *   - Replace Fetch_and_op by a Get followed by a Put: mpi4ts refuses the Put
 *     (ERR_RMA_CONFLICT: operations of one epoch are unordered, so the Put
 *     could land before the Get reads). Put a Flush between them: now two
 *     ranks can read the same value before either writes, and the self-check
 *     fails. Atomic read-modify-write is the point.
 *   - Compare the time with patternlet 17 at -n 2: here both ranks work.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const HEAD = 0;

const nTasks = Number(process.argv[2] ?? 24);

/** Sleep without busy-waiting (a stand-in for real work of varying length). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The "work": task t takes between 2 and 22 ms and computes t squared. */
function doTask(t: number): number {
  sleep(2 + (t * 7919) % 21);
  return t * t;
}

// The head's window holds one Int32 counter (allocated memory starts at 0); the others expose nothing.
const win = MPI.Win.Allocate(rank === HEAD ? 4 : 0, 4, null, comm);
const one = Int32Array.of(1);
const claimed = new Int32Array(1);
const done: [number, number][] = [];
const t0 = MPI.Wtime();

win.Lock_all();
for (;;) {
  win.Fetch_and_op(one, claimed, HEAD, 0, MPI.SUM); // claimed[0] = counter; counter += 1, atomically
  win.Flush(HEAD); // the fetched value is ours only once the operation has completed
  const task = claimed[0]!;
  if (task >= nTasks) break;
  done.push([task, doTask(task)]);
}
win.Unlock_all();

const all = comm.gather(done, HEAD);
const elapsed = MPI.Wtime() - t0;
win.Free();

if (rank === HEAD) {
  all!.forEach((tasks, r) => console.log(`Process ${r} did ${tasks.length} task(s)`));
  console.log(`Head: ${nTasks} tasks done in ${elapsed.toFixed(3)} s`);
  // Self-check: every task claimed exactly once, and computed correctly.
  const seen = new Array<number>(nTasks).fill(0);
  for (const [task, result] of all!.flat()) {
    seen[task]!++;
    if (result !== task * task) throw new Error(`task ${task} has result ${result}, expected ${task * task}`);
  }
  const wrong = seen.findIndex((c) => c !== 1);
  if (wrong >= 0) throw new Error(`task ${wrong} was done ${seen[wrong]} times`);
  console.log(`Check passed: every task was claimed exactly once`);
}
