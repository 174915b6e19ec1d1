/**
 * Exemplar: drug design (a toy docking screen).
 *
 * What it teaches: load balancing. We score many random "ligands" (short
 * strings) against a "protein" (a long string); a ligand's score is the length
 * of the longest common subsequence of the two, computed by a deliberately
 * naive recursion whose cost grows exponentially with the ligand's length. So
 * tasks have wildly different costs. Two parallel strategies are compared:
 *
 *   static  - every rank takes an equal, contiguous chunk of the ligands
 *             (patternlet 21). A rank that happens to get several long ligands
 *             finishes long after the others.
 *   dynamic - the conductor hands out one ligand at a time to whichever worker
 *             asks (patternlet 17). Fast workers simply take more ligands.
 *
 * Both must report the same best score and the same best ligands as the
 * sequential baseline.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/exemplars/drug-design/drug-design.ts 60 5
 *
 * See it (the timeline: a lane per rank, an arrow per message; examples/README.md, "Reading a timeline"):
 *   npx mpi4ts run -n 4 --trace drug-design.json examples/exemplars/drug-design/drug-design.ts 60 5 && npx mpi4ts view drug-design.json --open
 *
 * Arguments: [ligands = 60] [max ligand length = 5] [seed = 7] [protein = classic sentence]
 *
 * Try:
 *   - Compare `TIME static` and `TIME dynamic` at -n 2, 3 and 4 (see README.md).
 *   - Raise the max length to 6: each long ligand now costs ~10x more, and the
 *     static split gets visibly unbalanced.
 *
 * Output: best score and ligands, and `TIME static|dynamic|sequential <s>`.
 */
import { MPI } from "mpi4ts";
import { blockRange, intArg, reportTime, timed } from "../common.js"; // generic helpers, see ../common.ts
import { type Best, NONE, makeLigands, merge, score, single } from "./ligands.js"; // the screen itself, shared with drug-design-pool.ts

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const WORKTAG = 1;
const DIETAG = 2;
const RESULTTAG = 3;

interface Input {
  ligands: string[];
  protein: string;
}

// ---- input: the conductor makes the ligands and broadcasts them ------------
let input: Input | null = null;
if (rank === 0) {
  const count = intArg(2, 60, "the number of ligands");
  const maxLength = intArg(3, 5, "the max ligand length");
  const seed = intArg(4, 7, "seed");
  const protein = (process.argv[5] ?? "How razorback-jumping frogs can level six piqued gymnasts").toLowerCase();
  if (maxLength < 2) throw new Error("the max ligand length must be at least 2");
  input = { ligands: makeLigands(count, maxLength, seed), protein };
  console.log(`Screening ${count} ligands (length 2..${maxLength}) against a protein of ${protein.length} letters on ${size} rank(s)`);
}
input = comm.bcast(input, 0);
if (input === null) throw new Error("bcast delivered nothing");
const { ligands, protein } = input;

// ---- strategy 1: static, equal contiguous chunks ----------------------------
comm.barrier();
let start = MPI.Wtime();
const [first, count] = blockRange(ligands.length, size, rank); // sizes differ by at most one
let myBest = NONE;
for (let i = first; i < first + count; i++) {
  myBest = merge(myBest, single(ligands[i], score(ligands[i], protein)));
  MPI.progress(i - first + 1, count, "static chunk"); // live lines on a terminal; nothing otherwise
}
const busy = MPI.Wtime() - start;
const staticBests = comm.gather(myBest, 0);
const busyTimes = comm.gather(busy, 0);
const staticTime = comm.reduce(MPI.Wtime() - start, MPI.MAX, 0);

// ---- strategy 2: dynamic, a task queue run by the conductor -----------------
comm.barrier();
start = MPI.Wtime();
let dynamicBest = NONE;
const tasksPerWorker = new Array<number>(size).fill(0);
if (size === 1) {
  // No workers: the conductor does every task itself.
  for (const ligand of ligands) dynamicBest = merge(dynamicBest, single(ligand, score(ligand, protein)));
} else if (rank === 0) {
  const status = new MPI.Status();
  let next = 0;
  let running = size - 1;
  while (running > 0) {
    const reply = comm.recv<{ ligand: string; score: number } | null>(MPI.ANY_SOURCE, RESULTTAG, status);
    const worker = status.Get_source();
    if (reply !== null) {
      dynamicBest = merge(dynamicBest, single(reply.ligand, reply.score));
      tasksPerWorker[worker]++;
    }
    MPI.progress(next, ligands.length, "tasks handed out");
    if (next < ligands.length) {
      comm.send(next++, worker, WORKTAG); // the index is enough: every rank has the ligands
    } else {
      comm.send(null, worker, DIETAG);
      running--;
    }
  }
} else {
  const status = new MPI.Status();
  comm.send(null, 0, RESULTTAG); // "ready for work"
  for (;;) {
    const index = comm.recv<number | null>(0, MPI.ANY_TAG, status);
    if (status.Get_tag() === DIETAG || index === null) break;
    comm.send({ ligand: ligands[index], score: score(ligands[index], protein) }, 0, RESULTTAG);
  }
}
const dynamicTime = comm.reduce(MPI.Wtime() - start, MPI.MAX, 0);

// ---- report, sequential baseline and self-check at the conductor -------------
if (rank === 0) {
  if (staticBests === null || busyTimes === null || staticTime === null || dynamicTime === null) {
    throw new Error("a collective gave the root nothing");
  }
  const staticBest = staticBests.reduce(merge, NONE);
  const show = (b: Best) => `score ${b.score}: ${b.ligands.join(" ")}`;
  console.log(`Static  best ${show(staticBest)}`);
  console.log(`Dynamic best ${show(dynamicBest)}`);
  console.log(`Static busy time per rank (s): ${busyTimes.map((t) => t.toFixed(3)).join(" ")}`);
  if (size > 1) console.log(`Dynamic tasks per worker: ${tasksPerWorker.slice(1).join(" ")}`);
  reportTime("static", staticTime);
  reportTime("dynamic", dynamicTime);

  const sequentialBest = timed("sequential", () => {
    let best = NONE;
    for (const ligand of ligands) best = merge(best, single(ligand, score(ligand, protein)));
    return best;
  });

  const expected = show(sequentialBest);
  if (show(staticBest) !== expected || show(dynamicBest) !== expected) {
    throw new Error(`rankings differ: sequential ${expected}; static ${show(staticBest)}; dynamic ${show(dynamicBest)}`);
  }
  if (size > 1 && tasksPerWorker.reduce((a, b) => a + b, 0) !== ligands.length) {
    throw new Error(`the workers did ${tasksPerWorker.reduce((a, b) => a + b, 0)} tasks, expected ${ligands.length}`);
  }
  console.log("Check passed: static, dynamic and sequential find the same best ligands");
}
