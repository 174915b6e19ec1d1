/**
 * Helpers shared by the exemplars.
 *
 * Every exemplar needs the same few chores done: read its arguments, make
 * random numbers that are the same on every run, split work into fair blocks,
 * and print its timings in one fixed format. They live here, once, so that
 * each exemplar can stay about its parallel pattern. Nothing in this file sends
 * or receives a message: all the MPI logic stays in the exemplars themselves.
 *
 * The exemplars import this file as `../common.js`. That is the usual rule for
 * ES modules written in TypeScript: an import names the JavaScript file the
 * module becomes, and both `tsc` and the launcher's bundler (esbuild) map
 * `common.js` back to this `common.ts`.
 */
import { MPI } from "mpi4ts";

// ---- command-line arguments ----------------------------------------------------

/**
 * A positive integer from the command line, or `fallback` if the argument is
 * absent.
 *
 * `index` counts the way `process.argv` does: `process.argv[0]` is node and
 * `process.argv[1]` the program, so the first argument after the program's
 * name is index 2. With `mpi4ts run -n 4 pi.ts 5000 7`, `intArg(2, ...)` is
 * 5000 and `intArg(3, ...)` is 7, on every rank.
 *
 * A bad value stops the program with an error that names the argument (`name`),
 * rather than letting `NaN` or `-3` flow silently into the computation.
 *
 * @param index - position in `process.argv` (2 for the first argument)
 * @param fallback - the value used when the argument is not given
 * @param name - what the argument means, for the error message
 * @returns the argument, a safe integer of at least 1
 * @throws Error if the argument is not a positive integer
 */
export function intArg(index: number, fallback: number, name: string): number {
  const value = Number(process.argv[index] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got "${process.argv[index]}"`);
  }
  return value;
}

// ---- reproducible random numbers -------------------------------------------------

/**
 * A small, fast, seedable random generator (mulberry32): each call of the
 * returned function gives the next number of the sequence, uniform in [0, 1).
 *
 * Why not `Math.random()`? It cannot be seeded, so every run would compute
 * something different, and no exemplar could check its parallel result against
 * its sequential one exactly. With a seeded generator the same seed always
 * gives the same numbers, on any machine and with any number of ranks.
 *
 * mulberry32 keeps 32 bits of state, so the sequence repeats after 2³² numbers:
 * plenty for teaching, not for serious statistics, and never for cryptography.
 *
 * @param seed - any number; only its low 32 bits are used
 * @returns a function giving the next number in [0, 1) at each call
 */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The random stream of one rank: a {@link mulberry32} generator whose seed
 * mixes the run's `seed` with the rank `r`.
 *
 * If every rank used the same seed, every rank would draw the very same
 * numbers, and the "parallel" sample would be one sample repeated `size` times.
 * Multiplying `r + 1` by 0x9e3779b9 (2³² divided by the golden ratio) spreads
 * neighbouring ranks far apart before it is mixed into the seed. Because a
 * stream depends only on (seed, r), a sequential baseline can replay rank r's
 * numbers exactly by calling `streamFor(seed, r)` itself.
 *
 * @param seed - the run's seed, the same on every rank
 * @param r - the rank whose stream this is
 * @returns rank r's generator
 */
export function streamFor(seed: number, r: number): () => number {
  return mulberry32(seed ^ Math.imul(r + 1, 0x9e3779b9));
}

// ---- block decomposition ------------------------------------------------------------

/**
 * Part `k` when `total` items are split into `parts` contiguous blocks whose
 * sizes differ by at most one (patternlet 21).
 *
 * Every block gets `floor(total / parts)` items, and the first
 * `total % parts` blocks get one more. For 10 items in 4 parts, the blocks
 * start at 0, 3, 6, 8 and hold 3, 3, 2, 2 items. Each rank can compute its own
 * block (and anybody else's) from its rank alone: nothing needs to be sent.
 *
 * @param total - how many items there are
 * @param parts - how many blocks to make (usually the number of ranks)
 * @param k - which block, 0 to parts - 1 (usually a rank)
 * @returns `[first, count]`: block k holds items first, ..., first + count - 1
 */
export function blockRange(total: number, parts: number, k: number): [first: number, count: number] {
  const q = Math.floor(total / parts);
  const extra = total % parts;
  return [k * q + Math.min(k, extra), q + (k < extra ? 1 : 0)];
}

// ---- timing -----------------------------------------------------------------------

/**
 * Prints a timing as `TIME <label> <seconds>`, with six decimals (microseconds).
 *
 * Every exemplar reports its times in this one format, e.g.
 * `TIME parallel 0.123456` and `TIME sequential 0.456789`, so that scripts
 * such as `npm run scaling` can find and compare them across exemplars. The
 * time of a parallel run is the slowest rank's: the exemplars measure it from a
 * barrier, reduce it with MPI.MAX to the conductor, and report it here.
 *
 * @param label - a single word naming what was timed
 * @param seconds - the elapsed time in seconds
 */
export function reportTime(label: string, seconds: number): void {
  console.log(`TIME ${label} ${seconds.toFixed(6)}`);
}

/**
 * Runs `work`, reports how long it took with {@link reportTime}, and returns
 * what `work` returned.
 *
 * This times code that runs on one rank alone, such as the sequential
 * baselines the exemplars compare their parallel versions with. Time is read
 * with MPI.Wtime, the clock the parallel timings use too.
 *
 * @param label - a single word naming what is timed
 * @param work - the computation to time
 * @returns the result of `work`
 */
export function timed<T>(label: string, work: () => T): T {
  const start = MPI.Wtime();
  const result = work();
  reportTime(label, MPI.Wtime() - start);
  return result;
}
