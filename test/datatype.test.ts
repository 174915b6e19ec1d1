/** src/datatype.ts in-process (self engine): buffers larger than Node can view as bytes are refused clearly. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MPI } from "../src/index.js";

test("a buffer of more bytes than a Uint8Array holds is ERR_BUFFER, not a RangeError", () => {
  let huge: Float64Array;
  try {
    huge = new Float64Array(2 ** 29 + 2); // 4 GiB + 16 bytes: zero pages, never touched
  } catch {
    return; // a machine without the address space for it
  }
  try {
    new Uint8Array(huge.buffer);
    return; // a Node.js whose byte views are longer: nothing to refuse
  } catch {
    // Node 20: at most 2^32 bytes
  }
  assert.throws(() => MPI.COMM_SELF.Sendrecv(huge, 0, 1, huge, 0, 1), (e: unknown) => {
    assert.ok(e instanceof MPI.MPIError, String(e));
    assert.equal(e.errorClass, "ERR_BUFFER");
    assert.match(e.message, /4294967312 bytes.*split it/);
    return true;
  });
});
