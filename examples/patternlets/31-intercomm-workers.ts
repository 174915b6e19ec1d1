/**
 * Patternlet 31: a head and its workers as two groups of one intercommunicator.
 *
 * What it teaches: an intercommunicator joins two separate groups. Here rank 0
 * forms the "head" group on its own and the other ranks the "workers" group;
 * each group has its own intracommunicator (from Split), and Create_intercomm
 * joins them. On the intercommunicator every rank you name is a rank of the
 * OTHER group: the head sends to worker 0, 1, 2 ...; a worker's messages come
 * from head rank 0.
 *
 * In a rooted collective the root passes MPI.ROOT, and the other group passes
 * the root's rank in the head group (0). So the head scatters one task to each
 * worker, the workers compute, and the head gathers one result per worker: the
 * data crosses between the groups, never within one. The head checks the sum.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/31-intercomm-workers.ts
 *
 * Try:
 *   - Merge the intercommunicator (inter.Merge(isWorker)) and print each rank's
 *     rank in the merged communicator: the head comes first.
 *   - Pass 1 instead of MPI.ROOT at the head and read the error.
 *   - Gather the results into a typed array without waiting: on the head,
 *     `const req = inter.Igather(null, results, MPI.ROOT)` with
 *     `results = new Float64Array(workers)`, on the workers
 *     `inter.Igather(Float64Array.of(sum), null, 0)`; the head can do other
 *     work before `await req`.
 */
import { MPI } from "mpi4ts";

const world = MPI.COMM_WORLD;
if (world.size < 2) {
  console.log("This patternlet needs at least 2 processes: a head and a worker (run with -n 4).");
} else {
  const isWorker = world.rank > 0;
  const group = world.Split(isWorker ? 1 : 0, world.rank);
  // Both leaders are rank 0 of their group: world rank 0 (head) and world rank 1 (first worker).
  const inter = group.Create_intercomm(0, world, isWorker ? 0 : 1, 31);
  const workers = isWorker ? group.size : inter.Get_remote_size();

  if (!isWorker) {
    const tasks = Array.from({ length: workers }, (_, i) => ({ from: i * 10, to: i * 10 + 9 }));
    inter.scatter(tasks, MPI.ROOT);
    // The root's own value is not sent anywhere: the list is the workers' values.
    const results = inter.gather<number | null>(null, MPI.ROOT)!;
    results.forEach((r, i) => console.log(`Head got ${r} from worker ${i}`));
    const total = results.reduce((a: number, r) => a + (r ?? 0), 0);
    const expected = ((10 * workers - 1) * (10 * workers)) / 2;
    console.log(total === expected ? `Check passed: the ${workers} workers summed 0..${10 * workers - 1} to ${total}` : `Check FAILED: ${total} != ${expected}`);
    if (total !== expected) process.exitCode = 1;
  } else {
    const task = inter.scatter<{ from: number; to: number }>(null, 0);
    let sum = 0;
    for (let k = task.from; k <= task.to; k++) sum += k;
    inter.gather(sum, 0);
  }
  inter.Free();
  group.Free();
}
