/** A task ends its worker's rank: the job must end (non-zero, naming the rank), never hang on the lost task. */
import { PoolExecutor } from "mpi4ts/futures";
import { die, sleepThen } from "./tasks.js";

const pool = new PoolExecutor();
const others = Array.from({ length: 4 }, () => pool.submit(sleepThen, 50, 1));
await pool.submit(die, 7);
await Promise.all(others);
console.log("the head went on after its worker died");
