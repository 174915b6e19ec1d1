/** mpi4ts/futures: mpi4py.futures for mpi4ts (docs/futures.md). */
export { PoolExecutor, CommExecutor, type ExecutorOptions, type MapOptions, type ShutdownOptions, type Iterables } from "./executor.js";
export {
  Future, type FutureState, type CompletedFuture, asCompleted, wait, type WaitOptions, type DoneAndNotDone, type ReturnWhen,
  FIRST_COMPLETED, FIRST_EXCEPTION, ALL_COMPLETED, BrokenExecutor, CancelledError, TimeoutError, TaskError,
} from "./future.js";
export { exportTasks, type TaskFunction, type TaskRef } from "./tasks.js";
