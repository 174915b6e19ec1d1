/**
 * Environment calls with no engine behind them (MPI-4.0 §11): MPI_Is_thread_main. (MPI_Pcontrol belongs to
 * the tracer: src/trace/api.ts.)
 */

/** True: a rank calls MPI from the thread that started it (the worker thread of a local rank is its main thread). */
export function Is_thread_main(): boolean { return true; }
