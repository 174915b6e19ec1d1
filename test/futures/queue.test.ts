/** src/futures/queue.ts: first in, first out across compactions, with removals anywhere. */
import assert from "node:assert/strict";
import { it } from "node:test";
import { TaskQueue } from "../../src/futures/queue.js";

it("keeps order through removals and compactions", () => {
  const q = new TaskQueue<{ n: number }>();
  const items = Array.from({ length: 10_000 }, (_, n) => ({ n }));
  for (const item of items) q.push(item);
  // Remove every third one, some before and some after the point taking will have reached.
  for (let n = 0; n < items.length; n += 3) assert.equal(q.remove(items[n]!), true);
  assert.equal(q.remove(items[0]!), false, "removing twice");
  const expected = items.filter(({ n }) => n % 3 !== 0);
  assert.equal(q.size, expected.length);
  const taken: number[] = [];
  for (let i = 0; i < 5000; i++) taken.push(q.shift()!.n);
  // After compactions, removal still finds the items that are left.
  const later = expected[6000]!;
  assert.equal(q.remove(later), true);
  for (let x = q.shift(); x !== undefined; x = q.shift()) taken.push(x.n);
  assert.deepEqual(taken, expected.filter((item) => item !== later).map(({ n }) => n));
  assert.equal(q.size, 0);
  q.push(items[1]!);
  assert.deepEqual(q.clear(), [items[1]]);
  assert.equal(q.shift(), undefined);
});
