/** Task functions for the futures tests: what workers import by reference. */
import { MPI } from "mpi4ts";
import { exportTasks } from "mpi4ts/futures";

export function square(x: number): number { return x * x; }
export function add(a: number, b: number): number { return a + b; }
export async function sleepThen<T>(ms: number, value: T): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return value;
}
/** Blocks the worker for `ms` (a task that keeps its worker busy, so later tasks stay queued at the head). */
export function spin(ms: number): number {
  const end = Date.now() + ms;
  while (Date.now() < end);
  return ms;
}
export function fail(message: string): never {
  throw new RangeError(message);
}
export function whoAmI(): number { return MPI.COMM_WORLD.rank; }

let initialized: unknown = undefined;
export function setUp(value: unknown): void { initialized = value; }
export function initValue(_item?: unknown): unknown { return initialized; }
export function failInit(): void { throw new Error("no database here"); }
export async function nested(): Promise<string> {
  const { PoolExecutor } = await import("mpi4ts/futures");
  try {
    new PoolExecutor();
    return "accepted";
  } catch (e) {
    return (e as Error).message;
  }
}
export function unsendable(): unknown { return () => 1; }
/** Ends the worker's rank mid-task, as a crash would. */
export function die(code: number): never { process.exit(code); }

/** Ends the worker with an error thrown outside the task (an uncaught exception), while the task never ends. */
export function throwOutside(): Promise<never> {
  return new Promise(() => { setTimeout(() => { throw new Error("thrown outside any task"); }, 0); });
}

exportTasks(import.meta.url, { square, add, sleepThen, spin, fail, whoAmI, setUp, initValue, failInit, nested, unsendable, die, throwOutside });
