/**
 * A task ends its worker's rank (static-mode.test.ts, dynamic-mode.test.ts). On the local engine the pool breaks:
 * the lost task's future and the other unfinished ones fail with BrokenExecutor naming the worker, new work is
 * refused, and the head goes on. Where a job cannot outlive a rank (the mpi engine), the job ends with the
 * worker's exit code. Never a hang on the lost task.
 */
import { BrokenExecutor, PoolExecutor } from "mpi4ts/futures";
import { die, sleepThen, throwOutside } from "./tasks.js";

// "throw": the worker ends with an uncaught exception (exit code 1) instead of process.exit(7).
const crash = process.argv[2] === "throw";

const pool = new PoolExecutor({ maxWorkers: 2 });
const others = Array.from({ length: 4 }, () => pool.submit(sleepThen, 50, 1));
try {
  await (crash ? pool.submit(throwOutside) : pool.submit(die, 7)).result(60);
  console.log("the lost task's future: resolved");
} catch (e) {
  console.log(`the lost task's future: ${(e as Error).name}: ${(e as Error).message}`);
}
const settled = await Promise.allSettled(others);
const broken = settled.filter((s) => s.status === "rejected" && s.reason instanceof BrokenExecutor).length;
const done = settled.filter((s) => s.status === "fulfilled" && s.value === 1).length;
console.log(`the other tasks: ${done + broken === others.length ? "each done or broken" : "SOME NEITHER"}`);
try {
  pool.submit(sleepThen, 1, 1);
  console.log("new work: accepted");
} catch (e) {
  console.log(`new work: refused with ${(e as Error).name}`);
}
await pool.shutdown();
console.log("the head went on after its worker died");
