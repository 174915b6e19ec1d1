/**
 * The thread helpers' addon (native/threads, src/local/thread-helpers.ts): addresses and copies from them, and
 * rank threads bound to cores of their own.
 */
import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { describe, it } from "node:test";
import { loadBindToCore, loadDirectCopy, loadYield } from "../../src/local/thread-helpers.js";
import { explain, mpi4ts } from "../support/jobs.js";

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
    assert.equal(loadBindToCore({ MPI4TS_BIND: "0" }), undefined);
  });
});

const cores = availableParallelism();
const bindSkip = process.platform !== "linux" ? "core binding is Linux's" : !loadBindToCore() ? "native/threads is not built here"
  : cores < 2 ? "one core" : false;

describe("rank threads and cores (local engine)", { skip: bindSkip }, () => {
  /** Each rank's allowed CPUs, from test/local/fixtures/core-binding.ts. */
  async function allowed(size: number, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
    const result = await mpi4ts(["run", "-n", String(size), "test/local/fixtures/core-binding.ts"], { env, timeoutMs: 60_000 });
    assert.equal(result.code, 0, explain(result));
    return [...result.stdout.matchAll(/^rank \d+: (\S+)$/gm)].map((m) => m[1]!);
  }

  it("a job no larger than the machine: each rank on a core of its own", async () => {
    const size = Math.min(cores, 4);
    const cpus = await allowed(size);
    assert.equal(cpus.length, size);
    for (const c of cpus) assert.match(c, /^\d+$/, `one CPU per rank: ${cpus.join(" ")}`);
    assert.equal(new Set(cpus).size, size, `distinct CPUs: ${cpus.join(" ")}`);
  });

  it("more ranks than cores, or MPI4TS_BIND=0: unbound", async () => {
    for (const c of await allowed(cores + 1)) assert.doesNotMatch(c, /^\d+$/, "oversubscribed ranks float");
    for (const c of await allowed(2, { ...process.env, MPI4TS_BIND: "0" })) assert.doesNotMatch(c, /^\d+$/, "binding turned off");
  });
});
