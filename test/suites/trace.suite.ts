// sizes: 1 2 3 4
/**
 * MPI.trace and MPI.Pcontrol in a program run without --trace: nothing is recorded, marks and spans still run
 * the program's code, and bad arguments are ERR_ARG on every rank. (Traced runs: test/trace/trace.test.ts.)
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const comm = MPI.COMM_WORLD;
assert.equal(MPI.trace.enabled, false);
MPI.trace.mark("nothing records this");
assert.equal(MPI.trace.span("sum", () => comm.allreduce(1)), comm.size);
assert.equal(await MPI.trace.span("async", async () => comm.bcast(comm.rank === 0 ? "root" : null, 0)), "root");
assert.throws(() => MPI.trace.span("throws", () => { throw new RangeError("from the program"); }), RangeError);
MPI.trace.off();
MPI.trace.on();
MPI.Pcontrol(0);
MPI.Pcontrol(1);
assert.equal(MPI.trace.enabled, false, "on() does not start a trace that was never requested");

expectError("ERR_ARG", () => MPI.trace.mark(5 as unknown as string), /trace\.mark: name must be a string, got number/);
expectError("ERR_ARG", () => MPI.trace.span("x", 5 as unknown as () => void), /trace\.span: fn must be a function, got number/);
expectError("ERR_ARG", () => MPI.trace.span(undefined as unknown as string, () => 1), /trace\.span: name must be a string/);
expectError("ERR_ARG", () => MPI.Pcontrol(1.5), /Pcontrol: level must be an integer, got 1\.5/);
comm.Barrier();
