/**
 * Patternlet 32: a head that starts its own workers (Spawn).
 *
 * What it teaches: a running program can start more processes. COMM_WORLD.Spawn(program, args, n) starts n
 * processes of a program and returns an intercommunicator: the spawned processes are its remote group (they have
 * a COMM_WORLD of their own), and in them MPI.Comm.Get_parent() is the same intercommunicator seen from the other
 * side. This file is both programs: Get_parent() tells a worker (it has a parent) from the head (it has none).
 *
 * The head broadcasts the job to the workers (MPI.ROOT on the head's rank 0, PROC_NULL on any other head rank,
 * 0 on the workers: the root's rank in the remote group), each worker sums its share of the series
 * pi/4 = 1 - 1/3 + 1/5 - ..., and a reduce across the intercommunicator brings the sum back to the head.
 *
 * Run:
 *   npx mpi4ts run -n 1 examples/patternlets/32-spawn-workers.ts 3
 *
 * Try:
 *   - Start 6 workers instead of 3 (the argument), or run the head on 2 ranks (-n 2): Spawn is collective over
 *     COMM_WORLD, and the heads share the workers.
 *   - Merge the intercommunicator (inter.Merge(false) on the head, parent.Merge(true) on the workers) and
 *     print every rank of the merged communicator: heads first.
 */
import { fileURLToPath } from "node:url";
import { MPI } from "mpi4ts";

const TERMS = 3_000_000;
const world = MPI.COMM_WORLD;
const parent = MPI.Comm.Get_parent();

if (parent === MPI.COMM_NULL) {
  const workers = Number(process.argv[2] ?? 3);
  const inter = world.Spawn(fileURLToPath(import.meta.url), [], workers);
  const root = world.rank === 0 ? MPI.ROOT : MPI.PROC_NULL;
  if (world.rank === 0) console.log(`Head started ${inter.Get_remote_size()} workers`);
  inter.bcast({ terms: TERMS }, root);
  const sum = inter.reduce(0, MPI.SUM, root);
  if (world.rank === 0) {
    const pi = 4 * (sum as number);
    console.log(`Head: pi is about ${pi.toFixed(8)}`);
    const ok = Math.abs(pi - Math.PI) < 1e-5;
    console.log(ok ? "Check passed: the workers' sums add up to pi" : `Check FAILED: ${pi}`);
    if (!ok) process.exitCode = 1;
  }
  inter.Disconnect();
} else {
  const { terms } = parent.bcast<{ terms: number }>(null, 0);
  let sum = 0;
  let count = 0;
  for (let k = world.rank; k < terms; k += world.size, count++) sum += (k % 2 === 0 ? 1 : -1) / (2 * k + 1);
  console.log(`Worker ${world.rank} of ${world.size} (spawned by a head of ${parent.Get_remote_size()}) summed ${count} terms`);
  parent.reduce(sum, MPI.SUM, 0);
  parent.Disconnect();
}
