/**
 * The conflict tracker of one-sided operations (src/win/conflicts.ts) against a byte-by-byte model of MPI-4.0
 * §12.7's rules, over random operations in random order, and its two documented edges.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AccessKind, ATOMIC_READ, ATOMIC_WRITE, EpochAccesses, READ, TRACKED_RANGES, WRITE } from "../../src/win/conflicts.js";

const KINDS: AccessKind[] = [WRITE, READ, ATOMIC_WRITE, ATOMIC_READ];
/** Which pairs of kinds conflict on one byte, written out independently of the module's table. */
function clash(a: AccessKind, b: AccessKind): boolean {
  const writes = (k: AccessKind) => k === WRITE || k === ATOMIC_WRITE;
  const atomic = (k: AccessKind) => k === ATOMIC_WRITE || k === ATOMIC_READ;
  return (writes(a) || writes(b)) && !(atomic(a) && atomic(b));
}

/** A tiny deterministic generator, so a failure repeats. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe("one-sided conflict tracking", () => {
  it("agrees with a byte-by-byte model of MPI's rules", () => {
    for (let seed = 1; seed <= 200; seed++) {
      const next = random(seed);
      const tracker = new EpochAccesses();
      const bytes = new Map<number, Set<AccessKind>[]>(); // target rank -> per byte, the kinds that touched it
      for (let op = 0; op < 40; op++) {
        const rank = Math.floor(next() * 2);
        const kind = KINDS[Math.floor(next() * 4)]!;
        const blocks = Array.from({ length: 1 + Math.floor(next() * 3) }, () => ({ at: Math.floor(next() * 64), length: Math.floor(next() * 9) }));
        if (next() < 0.08) {
          const which = next() < 0.5 ? rank : -1;
          tracker.completed(which);
          if (which === -1) bytes.clear();
          else bytes.delete(which);
          continue;
        }
        const model = bytes.get(rank) ?? Array.from({ length: 80 }, () => new Set<AccessKind>());
        let expected = blocks.some((b) => Array.from({ length: b.length }, (_, i) => model[b.at + i]!).some((s) => [...s].some((k) => clash(kind, k))));
        if (!expected && kind === WRITE) {
          const seen = new Set<number>();
          for (const b of blocks) for (let i = b.at; i < b.at + b.length; i++) { if (seen.has(i)) expected = true; seen.add(i); }
        }
        const refusal = tracker.claim(rank, kind, blocks);
        assert.equal(refusal !== null, expected, `seed ${seed}, op ${op}: ${kind} ${JSON.stringify(blocks)} on rank ${rank}: ${refusal}`);
        if (!refusal) {
          for (const b of blocks) for (let i = b.at; i < b.at + b.length; i++) model[i]!.add(kind);
          bytes.set(rank, model);
        }
      }
    }
  });

  it("forgets only the target whose operations completed", () => {
    const t = new EpochAccesses();
    assert.equal(t.claim(0, WRITE, [{ at: 0, length: 8 }]), null);
    assert.equal(t.claim(1, WRITE, [{ at: 0, length: 8 }]), null);
    t.completed(0);
    assert.equal(t.claim(0, WRITE, [{ at: 0, length: 8 }]), null);
    assert.match(t.claim(1, READ, [{ at: 4, length: 1 }]) ?? "", /bytes 4\.\.5 of rank 1's window were written by a Put in this epoch/);
    t.completed(-1);
    assert.equal(t.claim(1, READ, [{ at: 4, length: 1 }]), null);
  });

  it("checks without recording when asked (Rget: complete at the target once complete at the origin)", () => {
    const t = new EpochAccesses();
    assert.equal(t.claim(0, READ, [{ at: 0, length: 8 }], false), null);
    assert.equal(t.claim(0, WRITE, [{ at: 0, length: 8 }]), null);
    assert.notEqual(t.claim(0, READ, [{ at: 0, length: 8 }], false), null);
  });

  it("stops tracking a kind past TRACKED_RANGES disjoint ranges, in any order", () => {
    const t = new EpochAccesses();
    for (let i = TRACKED_RANGES - 1; i >= 0; i--) assert.equal(t.claim(0, WRITE, [{ at: 16 * i, length: 8 }]), null);
    assert.notEqual(t.claim(0, WRITE, [{ at: 16 * 7 + 3, length: 1 }]), null, "tracked up to the limit");
    assert.equal(t.claim(0, WRITE, [{ at: 16 * TRACKED_RANGES, length: 8 }]), null);
    assert.equal(t.claim(0, WRITE, [{ at: 16 * 7, length: 1 }]), null, "past the limit, writes are no longer tracked");
    assert.equal(t.claim(0, ATOMIC_READ, [{ at: 0, length: 8 }]), null);
    assert.notEqual(t.claim(0, WRITE, [{ at: 0, length: 8 }]), null, "other kinds still are");
  });
});
