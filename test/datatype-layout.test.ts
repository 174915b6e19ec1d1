/**
 * Derived datatypes against a reference model: random nestings of every constructor, each compared with its
 * type map spelled out element by element (MPI-4.0 §5.1: a list of (displacement, basic type) with lb/ub), for
 * size, bounds, true bounds, Get_elements, and the bytes Pack/Unpack move, whole and cut short.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as MPI from "../src/mpi.js";
import { Status } from "../src/status.js";
import { bufferArg } from "../src/datatype/message.js";

/** A type map: basic elements (byte displacement, size) in order, and the bounds. */
interface TypeMap { elements: { disp: number; size: number }[]; lb: number; ub: number }

function basicMap(t: MPI.Datatype): TypeMap {
  return { elements: [{ disp: 0, size: t.size }], lb: 0, ub: t.size };
}

/** `count` copies of `old` at byte displacement `disp`, `extent(old)` apart, for each block. */
function blocksMap(blocks: { disp: number; count: number; old: TypeMap }[]): TypeMap {
  const elements: TypeMap["elements"] = [];
  let lb = Infinity, ub = -Infinity;
  for (const { disp, count, old } of blocks) {
    const extent = old.ub - old.lb;
    for (let k = 0; k < count; k++) {
      for (const e of old.elements) elements.push({ disp: disp + k * extent + e.disp, size: e.size });
      lb = Math.min(lb, disp + k * extent + old.lb);
      ub = Math.max(ub, disp + k * extent + old.ub);
    }
  }
  return lb === Infinity ? { elements, lb: 0, ub: 0 } : { elements, lb, ub };
}

/** Seeded, so a failure is reproducible. */
function rng(seed: number): (n: number) => number {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % n;
  };
}

const BASICS = [MPI.BYTE, MPI.SHORT, MPI.INT, MPI.DOUBLE, MPI.FLOAT, MPI.INT64_T];

/** A random derived type of nesting depth ≤ `depth`, with its reference map. */
function randomType(r: (n: number) => number, depth: number): [MPI.Datatype, TypeMap] {
  if (depth === 0 || r(4) === 0) {
    const t = BASICS[r(BASICS.length)]!;
    return [t, basicMap(t)];
  }
  const [old, map] = randomType(r, depth - 1);
  const extent = map.ub - map.lb;
  const list = (n: number, f: () => number) => Array.from({ length: n }, f);
  switch (r(9)) {
    case 0: {
      const n = r(4);
      return [old.Create_contiguous(n), blocksMap([{ disp: 0, count: n, old: map }])];
    }
    case 1: {
      const [count, bl, stride] = [r(4), r(3), r(5)];
      return [old.Create_vector(count, bl, stride), blocksMap(list(count, () => 0).map((_, i) => ({ disp: i * stride * extent, count: bl, old: map })))];
    }
    case 2: {
      const [count, bl, stride] = [r(4), r(3), r(40)];
      return [old.Create_hvector(count, bl, stride), blocksMap(list(count, () => 0).map((_, i) => ({ disp: i * stride, count: bl, old: map })))];
    }
    case 3: {
      const n = r(4), bls = list(n, () => r(3)), ds = list(n, () => r(6));
      return [old.Create_indexed(bls, ds), blocksMap(bls.map((count, i) => ({ disp: ds[i]! * extent, count, old: map })))];
    }
    case 4: {
      const n = r(4), bls = list(n, () => r(3)), ds = list(n, () => r(50));
      return [old.Create_hindexed(bls, ds), blocksMap(bls.map((count, i) => ({ disp: ds[i]!, count, old: map })))];
    }
    case 5: {
      const bl = r(3), ds = list(r(4), () => r(6));
      return [old.Create_indexed_block(bl, ds), blocksMap(ds.map((d) => ({ disp: d * extent, count: bl, old: map })))];
    }
    case 6: {
      const lb = r(8), ext = r(60);
      return [old.Create_resized(lb, ext), { elements: map.elements, lb, ub: lb + ext }];
    }
    case 7: {
      // 2-D subarray in either order: rows × cols of old, the block [r0, r0+sr) × [c0, c0+sc)
      const rows = 1 + r(3), cols = 1 + r(3), sr = r(rows + 1), sc = r(cols + 1), r0 = r(rows - sr + 1), c0 = r(cols - sc + 1);
      const order = r(2) ? MPI.ORDER_C : MPI.ORDER_FORTRAN;
      const blocks = [];
      if (order === MPI.ORDER_C) {
        for (let i = 0; i < sr && sc > 0; i++) blocks.push({ disp: ((r0 + i) * cols + c0) * extent, count: sc, old: map });
      } else { // sizes [rows, cols] with the first index fastest: element (i, j) at i + j * rows
        for (let j = 0; j < sc && sr > 0; j++) blocks.push({ disp: (r0 + (c0 + j) * rows) * extent, count: sr, old: map });
      }
      const sub = blocksMap(blocks);
      return [old.Create_subarray([rows, cols], [sr, sc], [r0, c0], order), { elements: sub.elements, lb: map.lb, ub: map.lb + rows * cols * extent }];
    }
    default: {
      const [other, otherMap] = randomType(r, depth - 1);
      const bls = [r(3), r(3)], ds = [r(20), r(20)];
      const m = blocksMap([{ disp: ds[0]!, count: bls[0]!, old: map }, { disp: ds[1]!, count: bls[1]!, old: otherMap }]);
      const t = MPI.Datatype.Create_struct(bls, ds, [old, other]);
      return [t, { ...m, ub: m.lb + t.extent }]; // the padding is checked separately
    }
  }
}

function referencePack(map: TypeMap, count: number, memory: Uint8Array): Uint8Array {
  const out: number[] = [];
  const extent = map.ub - map.lb;
  for (let k = 0; k < count; k++) {
    for (const e of map.elements) for (let b = 0; b < e.size; b++) out.push(memory[k * extent + e.disp + b]!);
  }
  return Uint8Array.from(out);
}

test("random derived types match their type maps: bounds, sizes, Pack, Unpack, partial unpack, Get_elements", () => {
  for (let seed = 1; seed <= 1500; seed++) {
    const r = rng(seed);
    const [t, map] = randomType(r, 3);
    t.Commit();
    const what = `seed ${seed}: ${t.name}`;
    const size = map.elements.reduce((n, e) => n + e.size, 0);
    assert.equal(t.size, size, what);
    assert.equal(t.lb, map.lb, what);
    assert.equal(t.ub, map.ub, what);
    if (map.elements.length > 0) {
      assert.equal(t.true_lb, Math.min(...map.elements.map((e) => e.disp)), what);
      assert.equal(t.true_ub, Math.max(...map.elements.map((e) => e.disp + e.size)), what);
    }
    const count = t.extent > 0 ? 1 + r(3) : 1;
    const span = Math.max(t.true_ub + (count - 1) * Math.max(t.extent, 0), 1);
    const memory = Uint8Array.from({ length: span }, (_, i) => (i * 7 + seed) & 0xff);
    const expected = referencePack(map, count, memory);
    // the message path every call uses: [buf, count, type] packs for a send and unpacks a receive
    const m = bufferArg("test", "buf", [memory, count, t]);
    assert.deepEqual(m.outgoing(), expected, what);
    const blank = new Uint8Array(memory.length);
    const into = bufferArg("test", "buf", [blank, count, t]);
    const landed = into.incoming();
    landed.set(expected);
    into.land(landed);
    const touched = new Uint8Array(memory.length);
    for (let k = 0; k < count; k++) for (const e of map.elements) for (let b = 0; b < e.size; b++) touched[k * t.extent + e.disp + b] = memory[k * t.extent + e.disp + b]!;
    assert.deepEqual(blank, touched, what);
    // a short receive unpacks only what arrived
    if (expected.length > 0) {
      const part = r(expected.length);
      const partial = new Uint8Array(memory.length);
      const p = bufferArg("test", "buf", [partial, count, t]);
      const got = p.incoming();
      got.set(expected.subarray(0, part)); // what an engine writes: the bytes that arrived
      p.land(got, part);
      let copied = 0;
      const want = new Uint8Array(memory.length);
      for (let k = 0; k < count; k++) for (const e of map.elements) for (let b = 0; b < e.size; b++) if (copied++ < part) want[k * t.extent + e.disp + b] = memory[k * t.extent + e.disp + b]!;
      assert.deepEqual(partial, want, `${what}: ${part} bytes`);
    }
    // Pack counts the items as the buffer's bytes / extent
    if (t.extent > 0 && Math.floor(memory.length / t.extent) === count) {
      const packed = new Uint8Array(expected.length + 3);
      assert.equal(t.Pack(memory, packed, 3, MPI.COMM_SELF), expected.length + 3, what);
      assert.deepEqual(packed.subarray(3), expected, what);
    }
    // Get_elements of a cut-short message: whole basic elements, UNDEFINED inside one
    const st = new Status();
    const cut = r(expected.length + 1);
    st.byteCount = cut;
    const sizes = Array.from({ length: count }, () => map.elements.map((e) => e.size)).flat();
    let left = cut, n = 0;
    for (const s of sizes) { if (left < s) break; left -= s; n++; }
    if (t.size > 0) assert.equal(st.Get_elements(t), left === 0 ? n : MPI.UNDEFINED, `${what}: ${cut} bytes`);
  }
});

test("Create_struct pads its extent to the strictest field, as a C struct", () => {
  assert.equal(MPI.Datatype.Create_struct([1, 1], [0, 8], [MPI.DOUBLE, MPI.BYTE]).extent, 16);
  assert.equal(MPI.Datatype.Create_struct([1, 1], [0, 4], [MPI.INT, MPI.SHORT]).extent, 8);
  assert.equal(MPI.Datatype.Create_struct([3], [0], [MPI.BYTE]).extent, 3);
  assert.equal(MPI.Datatype.Create_struct([1, 1], [0, 16], [MPI.C_DOUBLE_COMPLEX, MPI.BYTE]).extent, 24);
});
