/**
 * Exemplar: trapezoidal integration.
 *
 * What it teaches: domain decomposition of a 1-D loop. The integral of
 * sin(x) over [0, pi] (exactly 2) is approximated with n trapezoids. Every
 * rank integrates its own sub-interval (a contiguous block of trapezoids,
 * blocks differing by at most one), and a reduce with SUM adds the pieces.
 * No data needs to be sent out: each rank computes its bounds from its rank.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/exemplars/trapezoid/trapezoid.ts 20000000
 *
 * Arguments: [n = 20000000 trapezoids]
 *
 * Try:
 *   - Double n and watch the error drop by about 4 (the rule is second order),
 *     until rounding errors take over.
 *   - Integrate another function: change f and exact.
 *
 * Output: the result and its error, and `TIME parallel <s>` / `TIME sequential <s>`.
 */
import { MPI } from "mpi4ts";
import { blockRange, intArg, reportTime, timed } from "../common.js"; // generic helpers, see ../common.ts

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const f = (x: number): number => Math.sin(x);
const a = 0;
const b = Math.PI;
const exact = 2; // the integral of sin over [0, pi]

const n = intArg(2, 20_000_000, "n");
if (n < size) throw new Error(`need at least one trapezoid per rank, got n = ${n}`);
const h = (b - a) / n; // every rank uses the same width

/** Trapezoid rule over trapezoids first..first+count-1 of the whole interval. */
function trapezoids(first: number, count: number): number {
  const left = a + first * h;
  const right = a + (first + count) * h;
  let sum = (f(left) + f(right)) / 2;
  for (let i = 1; i < count; i++) sum += f(left + i * h);
  return sum * h;
}

// My block of trapezoids: sizes differ by at most one (patternlet 21).
const [myFirst, myCount] = blockRange(n, size, rank);

// ---- parallel version -------------------------------------------------------
comm.barrier();
const start = MPI.Wtime();
const mine = trapezoids(myFirst, myCount);
const total = comm.reduce(mine, MPI.SUM, 0);
const elapsed = comm.reduce(MPI.Wtime() - start, MPI.MAX, 0);

if (rank === 0) {
  if (total === null || elapsed === null) throw new Error("reduce gave the root nothing");
  console.log(`With n = ${n} trapezoids on ${size} rank(s), the integral of sin over [0, pi] is ${total.toFixed(15)}`);
  console.log(`Difference from the exact value 2: ${(total - exact).toExponential(3)}`);
  reportTime("parallel", elapsed);

  // ---- sequential baseline ---------------------------------------------------
  const sequential = timed("sequential", () => trapezoids(0, n));

  // ---- self-check --------------------------------------------------------------
  // The trapezoid rule's error is at most (b-a) h² max|f''| / 12 = pi h² / 12;
  // allow for rounding in long sums (a few ulps per term, about n * 1e-16).
  const tolerance = (Math.PI * h * h) / 12 + n * 1e-16 + 1e-12;
  if (Math.abs(total - exact) > tolerance) {
    throw new Error(`parallel result ${total} is off by more than ${tolerance}`);
  }
  // Parallel and sequential add the same terms in a different order: they may
  // differ by rounding, but by no more than that.
  if (Math.abs(total - sequential) > n * 1e-16 + 1e-12) {
    throw new Error(`parallel ${total} and sequential ${sequential} disagree`);
  }
  console.log("Check passed: agrees with the exact integral and with the sequential sum");
}
