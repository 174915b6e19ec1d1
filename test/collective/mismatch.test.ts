/**
 * Ranks that disagree about a collective (root, kind, family, counts) end the job with a clear MPIError instead
 * of hanging or returning garbage. Runs test/collective/mismatch.ts under each engine.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enginesUnderTest, explain, mpi4ts, runJob } from "../support/jobs.js";
import { mpichSkip } from "../native/support.js";

const CASES: [string, RegExp][] = [
  ["root", /collective mismatch/],
  ["Root", /collective mismatch/],
  ["kind", /collective mismatch/],
  ["Kind", /collective mismatch/],
  ["count", /collective mismatch in Bcast with root 0: rank 0 sent 16 bytes where this rank expects 20|collective mismatch|MPI_ERR_TRUNCATE|truncat/i],
  ["family", /collective mismatch/],
  ["type", /collective mismatch in Allreduce: rank \d passed a (Float64Array|Int32Array) where this rank passed a (Int32Array|Float64Array)/],
  ["op", /collective mismatch in Allreduce: rank \d reduces with (SUM|MAX) where this rank reduces with (MAX|SUM)/],
  ["value-op", /collective mismatch in allreduce: rank \d reduces with (SUM|MAX) where this rank reduces with (MAX|SUM)/],
];

for (const engine of enginesUnderTest().filter((e) => e !== "self")) {
  describe(`collective mismatches (${engine} engine)`, () => {
    for (const [name, pattern] of CASES) {
      // On the mpi engine buffer collectives are MPI's own, which may hang or fail in their own way: only
      // the value (lowercase) cases run over mpi4ts's algorithms there.
      if (engine === "mpi" && name !== "root" && name !== "kind") continue;
      // Element types and ops are compared where calls meet in shared memory (the local engine).
      if (engine !== "local" && (name === "type" || name.endsWith("op"))) continue;
      for (const size of [2, 3]) {
        it(`${name}, ${size} ranks`, async () => {
          const result = await runJob(engine, size, "test/collective/mismatch.ts", [name], 30);
          assert.notEqual(result.code, 0, explain(result));
          assert.match(result.stderr + result.stdout, pattern, explain(result));
        });
      }
    }
  });
}

// With --check-collectives the mpi engine's buffer collectives (MPI's own) agree on their signature first, so they
// report mismatches as the local engine does. ("family" mixes a value collective, which is not MPI's, with one.)
describe("collective mismatches (mpi engine, --check-collectives)", { skip: enginesUnderTest().includes("mpi") ? false : "no mpi engine here" }, () => {
  for (const [name, pattern] of CASES.filter(([n]) => /^[A-Z]/.test(n) || n === "count" || n === "type" || n === "op")) {
    it(`${name}, 3 ranks`, async () => {
      const result = await mpi4ts(["run", "--engine", "mpi", "--check-collectives", "--timeout", "30", "-n", "3", "test/collective/mismatch.ts", name], { timeoutMs: 60_000 });
      assert.notEqual(result.code, 0, explain(result));
      assert.match(result.stderr + result.stdout, pattern, explain(result));
    });
  }
});

/** The runs that check every collective: the local engine, and each MPI's engine with --check-collectives. */
function checkingRuns(): [string, string[], NodeJS.ProcessEnv?][] {
  const runs: [string, string[], NodeJS.ProcessEnv?][] = [["local engine", []]];
  if (enginesUnderTest().includes("mpi")) {
    runs.push(["mpi engine (Open MPI), --check-collectives", ["--engine", "mpi", "--check-collectives"]]);
    if (!mpichSkip()) runs.push(["mpi engine (MPICH), --check-collectives", ["--engine", "mpi", "--check-collectives"], { ...process.env, MPI4TS_MPIEXEC: "mpiexec.mpich" }]);
  }
  return runs;
}

/** The mpi engine under each MPI, without --check-collectives: MPI's own collectives, which cannot be told. */
function plainMpiRuns(): [string, NodeJS.ProcessEnv?][] {
  if (!enginesUnderTest().includes("mpi")) return [];
  return [["Open MPI"], ...(mpichSkip() ? [] : [["MPICH", { ...process.env, MPI4TS_MPIEXEC: "mpiexec.mpich" }] as [string, NodeJS.ProcessEnv]])];
}

// A root refusing its root-only buffer arguments still takes its turn: the others fail or finish, none waits, and
// nothing is left unreceived (root-refusals.ts). Where the engine can tell the others (the local engine, the mpi
// engine with --check-collectives), every case; on MPI's own collectives, the Gather and Reduce roots collect into
// scratch memory, and the roots that cannot take a turn end the job with their reason instead of leaving the others
// inside MPI.
describe("a root that refuses its buffer arguments", () => {
  const refusals = async (flags: string[], size: number, mode: string, env?: NodeJS.ProcessEnv) => {
    const result = await mpi4ts(["run", ...flags, "--timeout", "60", "-n", String(size), "test/collective/root-refusals.ts", mode], { timeoutMs: 90_000, ...(env ? { env } : {}) });
    assert.equal(result.code, 0, explain(result));
    assert.match(result.stdout, /none waits/, explain(result));
    assert.doesNotMatch(result.stderr, /warning/, explain(result));
  };
  for (const [label, flags, env] of checkingRuns()) {
    for (const size of [2, 3, 4]) it(`${label}, ${size} ranks`, () => refusals(flags, size, "told", env));
  }
  for (const [mpi, env] of plainMpiRuns()) {
    for (const size of [2, 3, 4]) it(`mpi engine (${mpi}): Gather and Reduce roots collect into scratch, ${size} ranks`, () => refusals(["--engine", "mpi"], size, "untold", env));
    for (const call of ["Scatter", "Iscatter", "Gatherv", "Reduce_init"]) {
      it(`mpi engine (${mpi}): a ${call} root that cannot take its turn ends the job with its reason`, async () => {
        const result = await mpi4ts(["run", "--engine", "mpi", "--timeout", "60", "-n", "3", "test/collective/root-refusals.ts", "abort", call], { timeoutMs: 90_000, ...(env ? { env } : {}) });
        assert.equal(result.code, 1, explain(result));
        assert.match(result.stderr, new RegExp(`${call} on rank 2 of MPI_COMM_WORLD \\(size 3\\): .*\\n.*rank 2, the root, refused its own arguments.*ending the job \\(MPI_Abort\\)`), explain(result));
        assert.doesNotMatch(result.stdout, /went on/, explain(result));
      });
    }
  }
});

describe("after a caught mismatch the communicator works again", () => {
  const runs = checkingRuns();
  for (const [label, flags, env] of runs) {
    it(label, async () => {
      const result = await mpi4ts(["run", ...flags, "--timeout", "60", "-n", "3", "test/collective/mismatch-recover.ts"], { timeoutMs: 90_000, ...(env ? { env } : {}) });
      assert.equal(result.code, 0, explain(result));
      for (const [name, errorClass] of [["count", "ERR_COUNT"], ["type", "ERR_TYPE"], ["op", "ERR_OP"], ["root", "ERR_OTHER"], ["kind", "ERR_OTHER"]]) {
        // On the local engine a rank that waits for nobody may return before the other side published; of two
        // ranks that disagree at least one sees the other. In both cases rank 0 disagrees with ranks 1 and 2 (who
        // agree), so either rank 0 reports it and each of the others may, or both others do. In the "op" case
        // rank 0 is the Reduce's root and waits for everyone, so it always reports it. With --check-collectives
        // every rank agrees first, so every rank reports it.
        const local = label === "local engine";
        const everyone = local && name === "root" ? `(${errorClass},(${errorClass}|none),(${errorClass}|none)|none,${errorClass},${errorClass})`
          : local && name === "op" ? `${errorClass},(${errorClass}|none),(${errorClass}|none)`
          : `${errorClass},${errorClass},${errorClass}`;
        assert.match(result.stdout, new RegExp(`^mismatch ${name}: ${everyone} then works$`, "m"), explain(result));
      }
    });
  }
});
