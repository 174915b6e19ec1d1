/**
 * Unit tests of collective/transport.ts's framing on the self engine's internal channel (a world of one, whose
 * messages to itself travel as in a bigger job): a root's refusal (sendRefusal) is taken only where the
 * algorithm passes it on, and is a mismatch anywhere else.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createSelfEngine } from "../../src/engine/self.js";
import { type Incoming, Kind, receive, receiveOrRefusal, sendRefusal, startCall } from "../../src/collective/transport.js";
import { MPIError } from "../../src/errors.js";

const channel = createSelfEngine().world.internal;

/** A Scatter with root 0 whose root refused with ERR_BUFFER, as received by `take`. */
function refusedScatter(take: typeof receive): Incoming {
  const call = startCall(channel, Kind.Scatter, 0);
  sendRefusal(call, 0, "ERR_BUFFER").wait();
  const incoming = take(call, 0);
  incoming.wait();
  return incoming;
}

test("a refusal reaches a receive that may take one as its class and the refusing root", () => {
  const incoming = refusedScatter(receiveOrRefusal);
  assert.equal(incoming.error, undefined);
  assert.equal(incoming.refusal?.errorClass, "ERR_BUFFER");
  assert.match(incoming.refusal.error.message, /rank 0 refused its arguments to Scatter with root 0 \(ERR_BUFFER/);
});

test("a refusal anywhere else is a collective mismatch, not an empty message", () => {
  const incoming = refusedScatter(receive);
  assert.equal(incoming.refusal, undefined);
  assert.ok(incoming.error instanceof MPIError && incoming.error.errorClass === "ERR_OTHER", String(incoming.error));
  assert.match(incoming.error.message, /collective mismatch/);
});
