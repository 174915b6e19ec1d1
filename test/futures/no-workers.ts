/** A PoolExecutor where there are no worker ranks and none can be spawned: prints the refusal. */
import { PoolExecutor } from "mpi4ts/futures";

try {
  new PoolExecutor();
  console.log("accepted");
} catch (e) {
  console.log(`refused: ${(e as Error).name}: ${(e as Error).message}`);
}
