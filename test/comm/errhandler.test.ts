/** ERRORS_ARE_FATAL and ERRORS_ABORT end the whole job with the error's code and message, on every engine. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { enginesUnderTest, explain, runJob } from "../support/jobs.js";

for (const engine of enginesUnderTest()) {
  describe(`error handlers on the ${engine} engine`, () => {
    for (const handler of ["fatal", "abort"]) {
      it(`${handler === "fatal" ? "ERRORS_ARE_FATAL" : "ERRORS_ABORT"} ends the job instead of throwing`, async () => {
        const r = await runJob(engine, engine === "self" ? 1 : 2, "test/comm/fatal.ts", [handler], 60);
        const out = r.stdout + r.stderr;
        assert.doesNotMatch(out, /CAUGHT|NOT ABORTED/, explain(r));
        assert.notEqual(r.code, 0, explain(r));
        assert.match(out, new RegExp(`MPI_ERRORS_${handler === "fatal" ? "ARE_FATAL" : "ABORT"} on MPI_COMM_WORLD_dup: send on rank 0 .*tag -5`), explain(r));
      });
    }
  });
}
