/**
 * A PoolExecutor where there may be no worker ranks: in a --futures job of one rank it is refused (printed); under
 * plain node it spawns its workers ("accepted").
 */
import { PoolExecutor } from "mpi4ts/futures";

try {
  const pool = new PoolExecutor();
  console.log("accepted");
  await pool.shutdown();
} catch (e) {
  console.log(`refused: ${(e as Error).name}: ${(e as Error).message}`);
}
