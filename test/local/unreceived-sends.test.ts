/**
 * On the local engine send and Isend never wait for the receiver, even when its inbox ring is full: the bytes
 * spill to the handoff path and the records to the sender's backlog, and every message still arrives in order.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { explain, mpi4ts } from "../support/jobs.js";

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
