/**
 * The local engine's shared areas (src/local/arena.ts) as programs see them: many rounds with every kind of wait,
 * with more ranks than cores and with or without the yield helper (the sleeping waits and their wake-ups); a rank
 * that leaves without joining a collective; a deadlock inside a collective, reported by the launcher.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { explain, mpi4ts } from "../support/jobs.js";

const F = "test/local/fixtures";

describe("shared areas of the local engine", () => {
  for (const [ranks, yieldHelper] of [[2, "1"], [4, "1"], [4, "0"], [8, "0"]] as const) {
    it(`rounds of every kind, ${ranks} ranks, yield helper ${yieldHelper === "1" ? "on" : "off"}`, async () => {
      const r = await mpi4ts(["run", "-n", String(ranks), "--timeout", "120", `${F}/rounds.ts`, "3000"], {
        env: { ...process.env, MPI4TS_YIELD: yieldHelper },
        timeoutMs: 150_000,
      });
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /rounds ok/);
    });
  }

  it("fails a collective whose peer has finished without joining it", async () => {
    const r = await mpi4ts(["run", "-n", "2", "--timeout", "60", `${F}/collective-stuck.ts`, "finished"], { timeoutMs: 90_000 });
    assert.notEqual(r.code, 0, explain(r));
    assert.match(r.stderr, /ERR_DEADLOCK/, explain(r));
    assert.match(r.stderr, /rank 1 of the communicator .* has finished without joining it/, explain(r));
  });

  it("reports a deadlock inside a collective with what each rank waits for", async () => {
    const r = await mpi4ts(["run", "-n", "2", "--timeout", "60", `${F}/collective-stuck.ts`, "deadlock"], { timeoutMs: 90_000 });
    assert.notEqual(r.code, 0, explain(r));
    assert.match(r.stderr, /deadlock/, explain(r));
    assert.match(r.stderr, /rank 1: blocked in a collective on MPI_COMM_WORLD, waiting for every rank to join/, explain(r));
    assert.match(r.stderr, /rank 0: blocked in recv\(source=1, tag=5\)/, explain(r));
  });
});
