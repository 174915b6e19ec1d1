/** Shared by the SPMD suites: asserts that `run` throws an MPIError of `errorClass` (whose message matches `mentions`). */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

export function expectError(errorClass: string, run: () => unknown, mentions?: RegExp): void {
  assert.throws(run, (e: unknown) => {
    assert.ok(e instanceof MPI.MPIError, `expected MPIError, got ${String(e)}`);
    assert.equal(e.errorClass, errorClass, e.message);
    if (mentions) assert.match(e.message, mentions);
    return true;
  });
}
