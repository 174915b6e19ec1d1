/**
 * On the local engine send and Isend never wait for the receiver, even when its inbox ring is full: the bytes
 * spill to the handoff path and the records to the sender's backlog, and every message still arrives in order.
 * Only a receiver that already holds its limit of large messages makes a blocking send wait for its receive.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { enginesUnderTest, explain, mpi4ts, runJob } from "../support/jobs.js";

describe("sends to a full inbox (local engine)", () => {
  it("returns at once, and delivers every message in order once the receiver receives", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpi4ts-"));
    try {
      const r = await mpi4ts(["run", "-n", "2", "--timeout", "90", "test/local/fixtures/unreceived-sends.ts", join(dir, "sent")], { timeoutMs: 120_000 });
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /received 400 in order/, explain(r));
      assert.match(r.stdout, /sender done/, explain(r));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a sender that outruns its receiver with large blocking sends", () => {
  for (const engine of enginesUnderTest().filter((e) => e !== "self")) {
    it(`waits for the receives once the receiver holds its limit (${engine} engine)`, async () => {
      const r = await runJob(engine, 2, "test/local/fixtures/outrun-receiver.ts", [], 120);
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /received 400 in order/, explain(r));
    });
  }
});
