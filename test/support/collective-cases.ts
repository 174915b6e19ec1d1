/**
 * Shared by collective-nb.suite.ts and collective-persistent.suite.ts: every buffer collective (with IN_PLACE
 * and aliased forms, v-variants with uneven counts and gaps, user ops) as a case that runs blocking,
 * nonblocking or persistent on buffers of its own, so the suites can compare the three forms' results round by
 * round. A case's inputs depend on the round, so a persistent request that did not read the buffers' current
 * contents at each Start gives results that differ from the blocking form's.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

type Arr = Float64Array | Int32Array;

/** One collective on buffers of its own: `fill` writes round `k`'s inputs (and sentinels in the outputs). */
export interface Case {
  readonly name: string;
  fill(k: number): void;
  /** What the call leaves behind on this rank (outputs, and inputs that IN_PLACE overwrites). */
  outputs(): Arr[];
  blocking(): void;
  nonblocking(): MPI.Request<void>;
  init(): MPI.CollectivePrequest;
}

/**
 * The communicators the suites run every case on (each made here collectively, in the same order on every
 * rank): COMM_WORLD, a Dup, a Split into two halves with the ranks in reverse order, COMM_SELF.
 */
export function communicators(): [string, MPI.Comm][] {
  const world = MPI.COMM_WORLD;
  return [["COMM_WORLD", world], ["Dup", world.Dup()], ["Split", world.Split(world.rank % 2, -world.rank)], ["COMM_SELF", MPI.COMM_SELF]];
}

/** On Int32 buffers: the high half from the lower rank, the low half from the higher one (associative, not commutative). */
export const HILO = MPI.Op.Create((invec: Int32Array, inout: Int32Array) => {
  for (let i = 0; i < inout.length; i++) inout[i] = (invec[i]! & ~0xffff) | (inout[i]! & 0xffff);
}, false);

const N = 3;
const SENTINEL = -7;
/** Rank r's element i in round k: exact in doubles, distinct across ranks, rounds and positions. */
const v = (r: number, k: number, i: number) => r * 1000 + k * 100 + i + 1;

function fillWith(a: Arr, r: number, k: number): void {
  for (let i = 0; i < a.length; i++) a[i] = v(r, k, i);
}

function offsets(counts: readonly number[], gap = 0): number[] {
  const out: number[] = [];
  let at = 0;
  for (const c of counts) { out.push(at); at += c + gap; }
  return out;
}

/**
 * Every case on `comm` with rooted collectives at `root`. Each call of this function makes new buffers, so
 * the same case list made three times gives the three forms buffers of their own.
 */
export function cases(comm: MPI.Comm, root: number): Case[] {
  const rank = comm.rank, size = comm.size, atRoot = rank === root;
  const list: Case[] = [];
  const add = (name: string, bufs: { fill(k: number): void; outputs: Arr[] },
    forms: { b: () => void; nb: () => MPI.Request<void>; init: () => MPI.CollectivePrequest }) => {
    list.push({ name, fill: bufs.fill, outputs: () => bufs.outputs, blocking: forms.b, nonblocking: forms.nb, init: forms.init });
  };
  /** An input filled with this rank's values and an output reset to the sentinel. */
  const io = (inLen: number, outLen: number, T: new (n: number) => Arr = Float64Array) => {
    const send = new T(inLen), recv = new T(outLen);
    return { send, recv, fill: (k: number) => { fillWith(send, rank, k); recv.fill(SENTINEL); }, outputs: [send, recv] };
  };
  /** One buffer that is both input and output (IN_PLACE). */
  const inplace = (len: number, T: new (n: number) => Arr = Float64Array) => {
    const buf = new T(len);
    return { buf, fill: (k: number) => fillWith(buf, rank, k), outputs: [buf] };
  };
  const counts = Array.from({ length: size }, (_, i) => (i % 3) + 1);
  const total = counts.reduce((a, b) => a + b, 0);

  {
    const b = inplace(N);
    const fill = (k: number) => (atRoot ? fillWith(b.buf, root, k) : b.buf.fill(SENTINEL));
    add("Bcast", { fill, outputs: b.outputs }, { b: () => comm.Bcast(b.buf, root), nb: () => comm.Ibcast(b.buf, root), init: () => comm.Bcast_init(b.buf, root) });
  }
  {
    const b = io(N * size, N);
    const send = atRoot ? b.send : null;
    add("Scatter", b, { b: () => comm.Scatter(send, b.recv, root), nb: () => comm.Iscatter(send, b.recv, root), init: () => comm.Scatter_init(send, b.recv, root) });
  }
  {
    const b = io(N * size, N);
    const send = atRoot ? b.send : null;
    const recv = atRoot ? MPI.IN_PLACE : b.recv;
    add("Scatter IN_PLACE", b, { b: () => comm.Scatter(send, recv, root), nb: () => comm.Iscatter(send, recv, root), init: () => comm.Scatter_init(send, recv, root) });
  }
  {
    const b = io(total + size, counts[rank]!);
    const spec = atRoot ? ([b.send, counts, offsets(counts, 1)] as const) : null;
    add("Scatterv", b, { b: () => comm.Scatterv(spec, b.recv, root), nb: () => comm.Iscatterv(spec, b.recv, root), init: () => comm.Scatterv_init(spec, b.recv, root) });
  }
  {
    const b = io(N, N * size);
    const recv = atRoot ? b.recv : null;
    add("Gather", b, { b: () => comm.Gather(b.send, recv, root), nb: () => comm.Igather(b.send, recv, root), init: () => comm.Gather_init(b.send, recv, root) });
  }
  {
    // IN_PLACE at the root: its own block is already in recvbuf.
    const b = io(N, N * size);
    const fill = (k: number) => { b.fill(k); if (atRoot) b.recv.set(b.send, N * root); };
    const send = atRoot ? MPI.IN_PLACE : b.send;
    const recv = atRoot ? b.recv : null;
    add("Gather IN_PLACE", { fill, outputs: b.outputs }, { b: () => comm.Gather(send, recv, root), nb: () => comm.Igather(send, recv, root), init: () => comm.Gather_init(send, recv, root) });
  }
  {
    const b = io(counts[rank]!, total + size);
    const spec = atRoot ? ([b.recv, counts, offsets(counts, 1)] as const) : null;
    add("Gatherv", b, { b: () => comm.Gatherv(b.send, spec, root), nb: () => comm.Igatherv(b.send, spec, root), init: () => comm.Gatherv_init(b.send, spec, root) });
  }
  {
    const b = io(N, N * size);
    add("Allgather", b, { b: () => comm.Allgather(b.send, b.recv), nb: () => comm.Iallgather(b.send, b.recv), init: () => comm.Allgather_init(b.send, b.recv) });
  }
  {
    const b = io(N, N * size);
    const fill = (k: number) => { b.fill(k); b.recv.set(b.send, N * rank); };
    add("Allgather IN_PLACE", { fill, outputs: b.outputs }, { b: () => comm.Allgather(MPI.IN_PLACE, b.recv), nb: () => comm.Iallgather(MPI.IN_PLACE, b.recv), init: () => comm.Allgather_init(MPI.IN_PLACE, b.recv) });
  }
  {
    const b = io(counts[rank]!, total + size);
    const spec = [b.recv, counts, offsets(counts, 1)] as const;
    add("Allgatherv", b, { b: () => comm.Allgatherv(b.send, spec), nb: () => comm.Iallgatherv(b.send, spec), init: () => comm.Allgatherv_init(b.send, spec) });
  }
  {
    const b = io(N * size, N * size);
    add("Alltoall", b, { b: () => comm.Alltoall(b.send, b.recv), nb: () => comm.Ialltoall(b.send, b.recv), init: () => comm.Alltoall_init(b.send, b.recv) });
  }
  {
    const b = inplace(N * size);
    add("Alltoall IN_PLACE", b, { b: () => comm.Alltoall(MPI.IN_PLACE, b.buf), nb: () => comm.Ialltoall(MPI.IN_PLACE, b.buf), init: () => comm.Alltoall_init(MPI.IN_PLACE, b.buf) });
  }
  {
    // Rank r sends (r + j) % 3 + 1 elements to rank j, which is what j expects from r.
    const pair = (j: number) => ((rank + j) % 3) + 1;
    const c = Array.from({ length: size }, (_, j) => pair(j));
    const n = c.reduce((a, x) => a + x, 0);
    const b = io(n, n + size);
    const sendSpec = [b.send, c] as const, recvSpec = [b.recv, c, offsets(c, 1)] as const;
    add("Alltoallv", b, { b: () => comm.Alltoallv(sendSpec, recvSpec), nb: () => comm.Ialltoallv(sendSpec, recvSpec), init: () => comm.Alltoallv_init(sendSpec, recvSpec) });
  }
  for (const [label, op, T] of [["SUM", MPI.SUM, Float64Array], ["MAX", MPI.MAX, Int32Array], ["HILO", HILO, Int32Array]] as const) {
    {
      const b = io(N, N, T);
      const recv = atRoot ? b.recv : null;
      add(`Reduce ${label}`, b, { b: () => comm.Reduce(b.send, recv, op, root), nb: () => comm.Ireduce(b.send, recv, op, root), init: () => comm.Reduce_init(b.send, recv, op, root) });
    }
    {
      const b = io(N, N, T);
      add(`Allreduce ${label}`, b, { b: () => comm.Allreduce(b.send, b.recv, op), nb: () => comm.Iallreduce(b.send, b.recv, op), init: () => comm.Allreduce_init(b.send, b.recv, op) });
    }
    {
      const b = io(N, N, T);
      add(`Scan ${label}`, b, { b: () => comm.Scan(b.send, b.recv, op), nb: () => comm.Iscan(b.send, b.recv, op), init: () => comm.Scan_init(b.send, b.recv, op) });
    }
    {
      const b = io(N, N, T);
      add(`Exscan ${label}`, b, { b: () => comm.Exscan(b.send, b.recv, op), nb: () => comm.Iexscan(b.send, b.recv, op), init: () => comm.Exscan_init(b.send, b.recv, op) });
    }
    {
      const b = io(N * size, N, T);
      add(`Reduce_scatter_block ${label}`, b, { b: () => comm.Reduce_scatter_block(b.send, b.recv, op), nb: () => comm.Ireduce_scatter_block(b.send, b.recv, op), init: () => comm.Reduce_scatter_block_init(b.send, b.recv, op) });
    }
    {
      const b = io(total, counts[rank]!, T);
      add(`Reduce_scatter ${label}`, b, { b: () => comm.Reduce_scatter(b.send, b.recv, counts, op), nb: () => comm.Ireduce_scatter(b.send, b.recv, counts, op), init: () => comm.Reduce_scatter_init(b.send, b.recv, counts, op) });
    }
  }
  {
    const b = inplace(N);
    const send = atRoot ? MPI.IN_PLACE : b.buf;
    const recv = atRoot ? b.buf : null;
    add("Reduce IN_PLACE", b, { b: () => comm.Reduce(send, recv, MPI.SUM, root), nb: () => comm.Ireduce(send, recv, MPI.SUM, root), init: () => comm.Reduce_init(send, recv, MPI.SUM, root) });
  }
  {
    const b = inplace(N);
    add("Allreduce IN_PLACE", b, { b: () => comm.Allreduce(MPI.IN_PLACE, b.buf), nb: () => comm.Iallreduce(MPI.IN_PLACE, b.buf), init: () => comm.Allreduce_init(MPI.IN_PLACE, b.buf) });
  }
  {
    // The send buffer is the receive buffer: IN_PLACE, as in mpi4py (MPI itself refuses the aliasing).
    const b = inplace(N);
    add("Allreduce aliased", b, { b: () => comm.Allreduce(b.buf, b.buf), nb: () => comm.Iallreduce(b.buf, b.buf), init: () => comm.Allreduce_init(b.buf, b.buf) });
  }
  {
    const b = inplace(N, Int32Array);
    add("Scan IN_PLACE", b, { b: () => comm.Scan(MPI.IN_PLACE, b.buf, HILO), nb: () => comm.Iscan(MPI.IN_PLACE, b.buf, HILO), init: () => comm.Scan_init(MPI.IN_PLACE, b.buf, HILO) });
  }
  {
    const b = inplace(N);
    add("Exscan IN_PLACE", b, { b: () => comm.Exscan(MPI.IN_PLACE, b.buf), nb: () => comm.Iexscan(MPI.IN_PLACE, b.buf), init: () => comm.Exscan_init(MPI.IN_PLACE, b.buf) });
  }
  {
    // The tail past this rank's block stays as it was, for 1-byte elements too.
    const buf = new Int8Array(N * size + 2);
    const bufs = { fill: (k: number) => { for (let i = 0; i < buf.length; i++) buf[i] = (rank * 7 + k * 3 + i) % 20; }, outputs: [buf as unknown as Int32Array] };
    add("Reduce_scatter_block IN_PLACE", bufs, { b: () => comm.Reduce_scatter_block(MPI.IN_PLACE, buf.subarray(0, N * size)), nb: () => comm.Ireduce_scatter_block(MPI.IN_PLACE, buf.subarray(0, N * size)), init: () => comm.Reduce_scatter_block_init(MPI.IN_PLACE, buf.subarray(0, N * size)) });
  }
  {
    const b = inplace(total + 2);
    add("Reduce_scatter IN_PLACE", b, { b: () => comm.Reduce_scatter(MPI.IN_PLACE, b.buf.subarray(0, total), counts), nb: () => comm.Ireduce_scatter(MPI.IN_PLACE, b.buf.subarray(0, total), counts), init: () => comm.Reduce_scatter_init(MPI.IN_PLACE, b.buf.subarray(0, total), counts) });
  }
  add("Barrier", { fill: () => {}, outputs: [] }, { b: () => comm.Barrier(), nb: () => comm.Ibarrier(), init: () => comm.Barrier_init() });
  return list;
}

/** Asserts that two runs of the same case left the same contents behind. */
export function assertSame(expected: Case, got: Case, what: string): void {
  const e = expected.outputs(), g = got.outputs();
  assert.equal(g.length, e.length);
  for (let i = 0; i < e.length; i++) assert.deepEqual([...g[i]!], [...e[i]!], `${what}: ${expected.name}, buffer ${i}`);
}
