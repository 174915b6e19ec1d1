/**
 * Exemplar: Monte Carlo estimate of pi.
 *
 * What it teaches: an "embarrassingly parallel" computation. Throw darts at
 * the unit square; the fraction landing inside the quarter circle x²+y² ≤ 1
 * tends to pi/4. The conductor broadcasts the number of tosses, every rank
 * throws its share with its own seeded random generator, and one reduce (SUM)
 * adds up the hits. Seeding each rank's generator from (seed, rank) makes a
 * run reproducible: the same command always prints the same estimate.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/exemplars/monte-carlo-pi/pi.ts 20000000
 *
 * Arguments: [tosses = 20000000] [seed = 2024]
 *
 * Try:
 *   - Run with -n 1, 2 and 4 and compare the TIME lines (or `npm run scaling`).
 *   - Multiply the tosses by 100: the error shrinks only by 10 (it falls like 1/sqrt(tosses)).
 *
 * Output: the estimate, its error, and machine-readable timing lines
 * `TIME parallel <seconds>` and `TIME sequential <seconds>`.
 */
import { MPI } from "mpi4ts";
import { blockRange, intArg, reportTime, streamFor, timed } from "../common.js"; // generic helpers, see ../common.ts

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

/** How many of rank r's tosses: the total split in blocks differing by at most one. */
function tossesOf(total: number, r: number): number {
  return blockRange(total, size, r)[1];
}

/** Throw `count` darts with `random`; return how many land inside the quarter circle. */
function countHits(count: number, random: () => number): number {
  let hits = 0;
  for (let i = 0; i < count; i++) {
    const x = random();
    const y = random();
    if (x * x + y * y <= 1) hits++;
  }
  return hits;
}

// The conductor reads the input and broadcasts it (patternlet 09).
let params: { tosses: number; seed: number } | null = null;
if (rank === 0) {
  const tosses = intArg(2, 20_000_000, "tosses");
  const seed = intArg(3, 2024, "seed");
  params = { tosses, seed };
}
params = comm.bcast(params, 0);
if (params === null) throw new Error("bcast delivered nothing");
const { tosses, seed } = params;

// ---- parallel version -------------------------------------------------------
comm.barrier();
const start = MPI.Wtime();
const myHits = countHits(tossesOf(tosses, rank), streamFor(seed, rank));
const hits = comm.reduce(myHits, MPI.SUM, 0);
const elapsed = comm.reduce(MPI.Wtime() - start, MPI.MAX, 0); // the job's time is the slowest rank's

if (rank === 0) {
  if (hits === null || elapsed === null) throw new Error("reduce gave the root nothing");
  const pi = (4 * hits) / tosses;
  console.log(`Estimate of pi from ${tosses} tosses on ${size} rank(s): ${pi.toFixed(8)} (error ${(pi - Math.PI).toExponential(2)})`);
  reportTime("parallel", elapsed);

  // ---- sequential baseline: the same streams, one after the other ----------
  const seqHits = timed("sequential", () => {
    let sum = 0;
    for (let r = 0; r < size; r++) sum += countHits(tossesOf(tosses, r), streamFor(seed, r));
    return sum;
  });

  // ---- self-check ----------------------------------------------------------
  // 1) Parallel and sequential counted exactly the same hits.
  if (seqHits !== hits) throw new Error(`parallel counted ${hits} hits, sequential ${seqHits}`);
  // 2) The estimate is within 5 standard deviations of pi (a false alarm
  //    would happen less than once in a million runs).
  const p = Math.PI / 4;
  const sigma = 4 * Math.sqrt((p * (1 - p)) / tosses);
  if (Math.abs(pi - Math.PI) > 5 * sigma) {
    throw new Error(`estimate ${pi} is more than 5 sigma (${sigma}) from pi`);
  }
  console.log("Check passed: parallel hits equal sequential hits, estimate within 5 sigma of pi");
}
