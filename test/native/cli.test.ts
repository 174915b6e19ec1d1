/**
 * The launcher side of the mpi engine: `mpi4ts run --engine mpi` builds and runs the mpiexec command line
 * (src/cli/mpiexec.ts), a failing rank aborts the job with its rank and stack, and a missing addon gives one
 * clear error. Needs the compiled CLI (npm run build) and the Open MPI build of the addon.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { describe, it } from "node:test";
import { ROOT, explain, openmpiArgs, openmpiSkip, run } from "./support.js";

const CLI = `${ROOT}bin/mpi4ts.js`;
const skip = openmpiSkip() ?? (existsSync(`${ROOT}dist/cli/main.js`) ? undefined : "the CLI is not compiled (npm run build)");

describe("mpi4ts run --engine mpi", { skip }, () => {
  it("runs a program on 3 ranks through mpiexec and shows the command with --verbose", async () => {
    const r = await run(process.execPath, [CLI, "run", "--engine", "mpi", "--verbose", "--oversubscribe", "--timeout", "60", "-n", "3", "test/native/programs/hello.ts", "a", "b c"], { timeoutMs: 90_000 });
    assert.equal(r.code, 0, explain(r));
    for (let i = 0; i < 3; i++) assert.match(r.stdout, new RegExp(`hello ${i}/3 args=a,b c lib=Open MPI`));
    assert.match(r.stderr, /mpi4ts: .*mpirun.* -n 3 .*bin\/mpi4ts\.js exec test\/native\/programs\/hello\.ts a 'b c'/);
  });

  it("aborts the whole job when one rank throws, naming the rank and the error", async () => {
    const r = await run(process.execPath, [CLI, "run", "--engine", "mpi", "--oversubscribe", "--timeout", "60", "-n", "3", "test/native/programs/fail.ts"], { timeoutMs: 90_000 });
    assert.notEqual(r.code, 0, explain(r));
    assert.match(r.stderr, /rank 1 of 3 failed: uncaught exception/, explain(r));
    assert.match(r.stderr, /rank one fails on purpose/);
    assert.doesNotMatch(r.stderr, /time limit for job execution has been reached/, "ended by MPI_Abort, not by the timeout");
  });

  it("fails at once with one clear message when the addon is missing", async () => {
    const env = { ...process.env, MPI4TS_NATIVE: `${ROOT}build/does-not-exist` };
    const r = await run("timeout", ["-k", "5", "60", "mpirun.openmpi", ...openmpiArgs(2, 50), "-x", "MPI4TS_NATIVE", process.execPath, CLI, "exec", "test/native/programs/hello.ts"], { timeoutMs: 80_000, env });
    assert.notEqual(r.code, 0, explain(r));
    assert.match(r.stderr, /MPI4TS_NATIVE=.*holds no mpi4ts_native\.node/, explain(r));
  });
});
