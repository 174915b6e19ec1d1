/**
 * Environment calls with no engine behind them (MPI-4.0 §11, §15.2.4): MPI_Pcontrol, whose meaning belongs to
 * whatever profiles the program, and MPI_Is_thread_main.
 */
import { MPIError } from "./errors.js";

/** Receives every Pcontrol level; a tracing or profiling layer installs one with `setPcontrolListener`. */
export type PcontrolListener = (level: number) => void;
let listener: PcontrolListener | undefined;

/**
 * mpi4py's `MPI.Pcontrol(level)`: 0 disables profiling, 1 enables it (the default), 2 and up ask for more detail.
 * Without a profiler it does nothing, as in MPI.
 */
export function Pcontrol(level: number): void {
  if (!Number.isInteger(level)) throw new MPIError("ERR_ARG", `Pcontrol: level must be an integer, got ${String(level)}`);
  listener?.(level);
}

/** @internal For the trace helper: who hears Pcontrol (undefined: nobody). Returns the previous listener. */
export function setPcontrolListener(next: PcontrolListener | undefined): PcontrolListener | undefined {
  const previous = listener;
  listener = next;
  return previous;
}

/** True: a rank calls MPI from the thread that started it (the worker thread of a local rank is its main thread). */
export function Is_thread_main(): boolean { return true; }
