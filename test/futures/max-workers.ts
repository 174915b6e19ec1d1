/** Prints how many workers a default PoolExecutor uses and which ranks ran its tasks (static mode). */
import { PoolExecutor } from "mpi4ts/futures";
import { spin, whoAmI } from "./tasks.js";

await using pool = new PoolExecutor();
const ranks = new Set<number>();
for (let round = 0; round < 3; round++) {
  const busy = Array.from({ length: 8 }, () => pool.submit(spin, 20).then(() => pool.submit(whoAmI)));
  for (const r of await Promise.all(busy)) ranks.add(r);
}
console.log(`workers ${pool.numWorkers} ranks ${[...ranks].sort().join(",")}`);
