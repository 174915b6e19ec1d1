// Measures the JS cost of the generic collectives without any engine: two ranks in one thread over in-memory
// queues, each call driven as a nonblocking Schedule. Run: node --import tsx test/collective/overhead.ts
import type { EngineRequest, Envelope, PayloadKind, PointToPoint, Sink } from "../../src/engine/engine.js";
import { generic } from "../../src/collective/generic.js";
import { ANY_SOURCE, ANY_TAG } from "../../src/constants.js";

interface Msg { source: number; tag: number; kind: PayloadKind; data: Uint8Array }
class Done implements EngineRequest {
  cancelled = false; envelope: Envelope | undefined; error: unknown; done = true;
  test() { return this.done; } wait() {} cancel() {}
}
class Fake implements PointToPoint {
  inbox: Msg[] = [];
  posted: { source: number; tag: number; sink: Sink; req: Done }[] = [];
  peer!: Fake;
  constructor(readonly rank: number, readonly size: number) {}
  #deliver(m: Msg, sink: Sink, req: Done) {
    const env = { source: m.source, tag: m.tag, byteLength: m.data.length, kind: m.kind };
    sink(env).set(m.data); req.envelope = env; req.done = true;
  }
  arrive(m: Msg) {
    const i = this.posted.findIndex((p) => (p.source === ANY_SOURCE || p.source === m.source) && (p.tag === ANY_TAG || p.tag === m.tag));
    if (i >= 0) { const p = this.posted.splice(i, 1)[0]!; this.#deliver(m, p.sink, p.req); } else this.inbox.push(m);
  }
  send() { throw new Error("unused"); }
  isend(data: Uint8Array, kind: PayloadKind, _dest: number, tag: number): EngineRequest {
    this.peer.arrive({ source: this.rank, tag, kind, data: data.slice() });
    return new Done();
  }
  recv(): Envelope { throw new Error("unused"); }
  irecv(sink: Sink, source: number, tag: number): EngineRequest {
    const req = new Done();
    const i = this.inbox.findIndex((m) => (source === ANY_SOURCE || m.source === source) && (tag === ANY_TAG || m.tag === tag));
    if (i >= 0) this.#deliver(this.inbox.splice(i, 1)[0]!, sink, req);
    else { req.done = false; this.posted.push({ source, tag, sink, req }); }
    return req;
  }
  probe(): Envelope { throw new Error("unused"); }
  mprobe(): never { throw new Error("unused"); }
  improbe(): never { throw new Error("unused"); }
  iprobe(source: number, tag: number): Envelope | undefined {
    const m = this.inbox.find((m) => (source === ANY_SOURCE || m.source === source) && (tag === ANY_TAG || m.tag === tag));
    return m && { source: m.source, tag: m.tag, byteLength: m.data.length, kind: m.kind };
  }
}
const a = new Fake(0, 2), b = new Fake(1, 2);
a.peer = b; b.peer = a;
const ca = generic(a), cb = generic(b);
function time(name: string, f: (c: typeof ca, rank: number) => EngineRequest): void {
  const N = 200_000;
  let t0 = 0;
  for (let i = 0; i < N + 20_000; i++) {
    if (i === 20_000) t0 = performance.now();
    const ra = f(ca, 0), rb = f(cb, 1);
    while (!(ra.test() && rb.test()));
    if (ra.error || rb.error) throw ra.error ?? rb.error;
  }
  console.log(`${name.padEnd(24)} ${(((performance.now() - t0) / N) * 1000 / 2).toFixed(3)} us per rank per call (JS only)`);
}
const s0 = new Float64Array(8).fill(1), r0 = new Float64Array(8), s1 = new Float64Array(8).fill(2), r1 = new Float64Array(8);
time("Ibarrier", (c) => c.ibarrier());
time("Iallreduce 8 doubles", (c, r) => c.iallreduce(r ? s1 : s0, r ? r1 : r0, { builtin: "SUM" }));
const bb = new Uint8Array(8);
time("Ibcast 8 B", (c) => c.ibcast(bb, 0));
