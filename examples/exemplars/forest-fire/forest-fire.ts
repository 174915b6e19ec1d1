/**
 * Exemplar: forest fire.
 *
 * What it teaches: a parameter sweep of Monte Carlo simulations. A fire starts
 * in the middle of an n x n forest; at each step a burning tree sets each of
 * its four neighbours alight with probability p, then burns out. How much of
 * the forest burns depends sharply on p: below a threshold (about 0.5) fires
 * die out, above it they sweep the forest. We run many trials for each p,
 * split the trials across ranks (round robin), and reduce the burned-tree
 * counts with SUM into the conductor, which prints the percent-burned curve
 * and draws it as an SVG plot.
 *
 * Each trial has its own seeded generator, derived from (seed, p, trial), so
 * the result does not depend on which rank ran which trial: any number of
 * ranks prints exactly the same curve as the sequential baseline.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/exemplars/forest-fire/forest-fire.ts 60 100 20 forest-fire.svg
 *
 * Arguments: [forest size n = 60] [trials per probability = 100]
 *            [probability steps = 20] [SVG output = forest-fire.svg] [seed = 1]
 *
 * Try:
 *   - Open the SVG in a browser. Raise the trials to smooth the curve.
 *   - Grow the forest (n = 100): the jump around the threshold gets steeper.
 *
 * Output: the curve, `TIME parallel <s>`, `TIME sequential <s>`, and the SVG file.
 */
import { writeFileSync } from "node:fs";
import { MPI } from "mpi4ts";
import { intArg, mulberry32, reportTime, timed } from "../common.js"; // generic helpers, see ../common.ts

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const n = intArg(2, 60, "the forest size");
const trials = intArg(3, 100, "trials");
const steps = intArg(4, 20, "probability steps");
const svgPath = process.argv[5] ?? "forest-fire.svg";
const seed = intArg(6, 1, "seed");

/** Probabilities 0, 1/steps, ..., 1. */
const probabilities = Array.from({ length: steps + 1 }, (_, k) => k / steps);

/** The generator of one trial: fixed by (seed, probability index, trial). */
function trialRandom(pIndex: number, trial: number): () => number {
  return mulberry32(Math.imul(seed, 0x9e3779b9) ^ Math.imul(pIndex + 1, 0x85ebca6b) ^ Math.imul(trial + 1, 0xc2b2ae35));
}

const TREE = 0;
const BURNING = 1;
const BURNT = 2;

/** Burn one forest with spread probability p; return how many trees burned. */
function burn(p: number, random: () => number): number {
  const forest = new Uint8Array(n * n); // all TREE
  const center = Math.floor(n / 2) * n + Math.floor(n / 2);
  forest[center] = BURNING;
  let front = [center];
  let burnt = 0;
  while (front.length > 0) {
    const next: number[] = [];
    for (const cell of front) {
      forest[cell] = BURNT;
      burnt++;
      const row = Math.floor(cell / n);
      const col = cell % n;
      const neighbours = [
        row > 0 ? cell - n : -1,
        row < n - 1 ? cell + n : -1,
        col > 0 ? cell - 1 : -1,
        col < n - 1 ? cell + 1 : -1,
      ];
      for (const nb of neighbours) {
        if (nb >= 0 && forest[nb] === TREE && random() < p) {
          forest[nb] = BURNING;
          next.push(nb);
        }
      }
    }
    front = next;
  }
  return burnt;
}

/** Burned-tree totals per probability over the trials t with t mod stride = offset. */
function sweep(offset: number, stride: number): Float64Array {
  const burned = new Float64Array(probabilities.length);
  probabilities.forEach((p, k) => {
    for (let t = offset; t < trials; t += stride) burned[k] += burn(p, trialRandom(k, t));
  });
  return burned;
}

/** A line plot of percent burned against probability, as a standalone SVG document. */
function plot(percent: number[]): string {
  const W = 640, H = 420, left = 60, right = 20, top = 40, bottom = 50;
  const x = (p: number) => left + p * (W - left - right);
  const y = (pct: number) => H - bottom - (pct / 100) * (H - top - bottom);
  const points = probabilities.map((p, k) => `${x(p).toFixed(1)},${y(percent[k]).toFixed(1)}`);
  const ticks = [0, 0.2, 0.4, 0.6, 0.8, 1];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">Forest fire: ${n}x${n} forest, ${trials} trials per probability</text>`,
    `<line x1="${left}" y1="${y(0)}" x2="${x(1)}" y2="${y(0)}" stroke="black"/>`,
    `<line x1="${left}" y1="${y(0)}" x2="${left}" y2="${y(100)}" stroke="black"/>`,
    ...ticks.map((t) => `<text x="${x(t)}" y="${y(0) + 18}" text-anchor="middle">${t.toFixed(1)}</text>`),
    ...ticks.map((t) => `<text x="${left - 8}" y="${y(t * 100) + 4}" text-anchor="end">${t * 100}</text>`),
    `<text x="${(left + x(1)) / 2}" y="${H - 10}" text-anchor="middle">probability of spreading</text>`,
    `<text x="16" y="${(top + y(0)) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(top + y(0)) / 2})">percent burned</text>`,
    `<polyline fill="none" stroke="firebrick" stroke-width="2" points="${points.join(" ")}"/>`,
    ...points.map((pt) => { const [cx, cy] = pt.split(","); return `<circle cx="${cx}" cy="${cy}" r="3" fill="firebrick"/>`; }),
    `</svg>`,
    "",
  ].join("\n");
}

// ---- parallel version: my share of the trials, then one Reduce --------------
comm.barrier();
const start = MPI.Wtime();
const mine = sweep(rank, size); // round robin: trials rank, rank+size, ...
const totals = rank === 0 ? new Float64Array(probabilities.length) : null;
comm.Reduce(mine, totals, MPI.SUM, 0);
const elapsed = comm.reduce(MPI.Wtime() - start, MPI.MAX, 0);

if (totals !== null) {
  // Only the root has the totals.
  const percent = Array.from(totals, (burned) => (100 * burned) / (trials * n * n));
  console.log("probability  percent burned");
  probabilities.forEach((p, k) => {
    console.log(`${p.toFixed(3).padStart(11)}  ${percent[k].toFixed(2).padStart(6)} ${"#".repeat(Math.round(percent[k] / 2))}`);
  });
  writeFileSync(svgPath, plot(percent));
  console.log(`Wrote the plot to ${svgPath}`);
  reportTime("parallel", elapsed ?? NaN);

  // ---- sequential baseline ------------------------------------------------
  const sequential = timed("sequential", () => sweep(0, 1));

  // ---- self-check ---------------------------------------------------------
  // Same seeds per trial: the counts must be identical, whatever the ranks.
  totals.forEach((v, k) => {
    if (v !== sequential[k]) throw new Error(`p = ${probabilities[k]}: parallel burned ${v}, sequential ${sequential[k]}`);
  });
  // With p = 0 only the first tree burns; with p = 1 the whole forest burns.
  if (totals[0] !== trials) throw new Error(`p = 0 should burn 1 tree per trial, burned ${totals[0]}`);
  if (totals[steps] !== trials * n * n) throw new Error(`p = 1 should burn every tree, burned ${totals[steps]}`);
  console.log("Check passed: the parallel curve equals the sequential one");
}
