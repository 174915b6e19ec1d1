/** The thread helpers' addon (native/threads, src/local/thread-helpers.ts): addresses and copies from them. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadDirectCopy, loadYield } from "../../src/local/thread-helpers.js";

const direct = loadDirectCopy();

describe("thread helpers", { skip: direct ? false : "native/threads is not built here (no C compiler at install)" }, () => {
  it("copy any view's bytes from its address, offsets included", () => {
    const source = new Float64Array(1000).map((_, i) => i * 1.5);
    const target = new Float64Array(1000);
    direct!.copyFrom(direct!.address(source), target);
    assert.deepEqual(target, source);
    const bytes = new Uint8Array(source.buffer, 8 * 10 + 3, 77);
    const into = new Uint8Array(77);
    direct!.copyFrom(direct!.address(bytes), into);
    assert.deepEqual(into, bytes);
    const shared = new Int32Array(new SharedArrayBuffer(64)).fill(7);
    const view = new DataView(new ArrayBuffer(64));
    direct!.copyFrom(direct!.address(shared), view);
    assert.equal(view.getInt32(60, true), 7);
    assert.equal(direct!.address(bytes) - direct!.address(source), 83, "addresses are byte addresses");
  });

  it("refuse what is not a view or not an address", () => {
    assert.throws(() => direct!.address([1, 2] as never), TypeError);
    assert.throws(() => direct!.copyFrom(0, new Uint8Array(1)), RangeError);
  });

  it("are off when asked", () => {
    assert.equal(loadDirectCopy({ MPI4TS_DIRECT: "0" }), undefined);
    assert.equal(loadYield({ MPI4TS_YIELD: "0" }), undefined);
    assert.equal(typeof loadYield({}), "function");
  });
});
