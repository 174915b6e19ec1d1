/** MPI.Pcontrol reaches the listener a tracing layer installs, and does nothing without one. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MPI } from "../../src/index.js";
import { setPcontrolListener } from "../../src/environment.js";

test("Pcontrol levels go to the installed listener; none installed is a no-op", () => {
  MPI.Pcontrol(1);
  const levels: number[] = [];
  const previous = setPcontrolListener((level) => levels.push(level));
  assert.equal(previous, undefined);
  MPI.Pcontrol(0);
  MPI.Pcontrol(2);
  assert.throws(() => MPI.Pcontrol(Number.NaN), /Pcontrol: level must be an integer/);
  assert.deepEqual(levels, [0, 2]);
  assert.equal(typeof setPcontrolListener(undefined), "function");
  MPI.Pcontrol(3);
  assert.deepEqual(levels, [0, 2]);
});
