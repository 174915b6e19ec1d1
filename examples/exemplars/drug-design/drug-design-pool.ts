/**
 * Exemplar: drug design, third version: the task queue of drug-design.ts written by mpi4ts/pool instead of
 * by hand. With `--futures`, rank 0 runs this program and the other ranks are the pool's workers (static
 * mode); run on one rank without it, the pool spawns three workers of its own (dynamic mode, as mpi4py's
 * MPIPoolExecutor under plain `python`). The pool hands each ligand to whichever worker is free, as the
 * hand-written conductor does, in ten lines.
 *
 * Run:
 *   npx mpi4ts run -n 4 --futures examples/exemplars/drug-design/drug-design-pool.ts 60 5
 *   npx mpi4ts run -n 1 examples/exemplars/drug-design/drug-design-pool.ts 60 5
 *   npx tsx examples/exemplars/drug-design/drug-design-pool.ts 60 5      (plain node: the same spawned pool)
 *
 * Arguments: [ligands = 60] [max ligand length = 5] [seed = 7] [protein = classic sentence]
 *
 * Try:
 *   - starmap's chunksize (its 3rd argument): more ligands per message, fewer messages, coarser balance.
 *   - Compare `TIME pool` with drug-design.ts's `TIME dynamic` at the same -n.
 *
 * Output: best score and ligands, and `TIME pool|sequential <s>`; the same self-check as drug-design.ts.
 */
import { MPI } from "mpi4ts";
import { Pool } from "mpi4ts/pool";
import { intArg, reportTime, timed } from "../common.js";
import { type Best, NONE, makeLigands, merge, score, scoreLigand, single } from "./ligands.js";

const count = intArg(2, 60, "the number of ligands");
const maxLength = intArg(3, 5, "the max ligand length");
const seed = intArg(4, 7, "seed");
const protein = (process.argv[5] ?? "How razorback-jumping frogs can level six piqued gymnasts").toLowerCase();
if (maxLength < 2) throw new Error("the max ligand length must be at least 2");
const ligands = makeLigands(count, maxLength, seed);
/** Workers the pool spawns when the job has no worker ranks (run without --futures). */
const SPAWNED_WORKERS = 3;
const workers = MPI.COMM_WORLD.Get_size() > 1 ? MPI.COMM_WORLD.Get_size() - 1 : SPAWNED_WORKERS;
console.log(`Screening ${count} ligands (length 2..${maxLength}) against a protein of ${protein.length} letters on ${workers} pool worker(s)`);

const start = MPI.Wtime();
let poolBest: Best = NONE;
{
  await using pool = new Pool(workers);
  // The argument lists are made as the pool reads them; each ligand goes to whichever worker is free.
  const tasks = (function* () { for (const ligand of ligands) yield [ligand, protein] as [string, string]; })();
  for (const ranking of await pool.starmap(scoreLigand, tasks)) poolBest = merge(poolBest, ranking);
}
reportTime("pool", MPI.Wtime() - start);

const show = (b: Best) => `score ${b.score}: ${b.ligands.join(" ")}`;
console.log(`Pool    best ${show(poolBest)}`);
const sequentialBest = timed("sequential", () => ligands.reduce((best, ligand) => merge(best, single(ligand, score(ligand, protein))), NONE));
if (show(poolBest) !== show(sequentialBest)) {
  throw new Error(`rankings differ: sequential ${show(sequentialBest)}; pool ${show(poolBest)}`);
}
console.log("Check passed: the pool and the sequential screen find the same best ligands");
