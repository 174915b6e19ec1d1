/** Run on one rank without --futures (dynamic-mode.test.ts): a spawned worker dies mid-task; the job must end. */
import { PoolExecutor } from "mpi4ts/futures";
import { die } from "./tasks.js";

const pool = new PoolExecutor({ maxWorkers: 2 });
await pool.submit(die, 7).result(60).catch(() => undefined);
console.log("the head went on");
