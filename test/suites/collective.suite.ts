// sizes: 1 2 3 4 8 16
/**
 * Every collective of API.md in both families, every root, on COMM_WORLD, a Dup and a Split (reversed key order),
 * small and large messages (framed and raw paths, bcast scatter+allgather, Rabenseifner), IN_PLACE, nonblocking
 * requests (wait, test loops, await), non-commutative ops in rank order, reproducibility, and the errors.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

const world = MPI.COMM_WORLD;
const comms: [string, MPI.Comm][] = [
  ["COMM_WORLD", world],
  ["Dup", world.Dup()],
  ["Split", world.Split(world.rank % 2, -world.rank)],
];

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const triangle = (n: number) => (n * (n - 1)) / 2;

/** 2x2 integer matrices mod a prime: an associative, non-commutative product. */
const P = 65521;
type M2 = [number, number, number, number];
const mat = (r: number): M2 => [1, r + 1, r % 7, 1];
const mul = (a: M2, b: M2): M2 => [
  (a[0] * b[0] + a[1] * b[2]) % P, (a[0] * b[1] + a[1] * b[3]) % P,
  (a[2] * b[0] + a[3] * b[2]) % P, (a[2] * b[1] + a[3] * b[3]) % P,
];
const MATMUL = MPI.Op.Create((a: M2, b: M2) => mul(a, b), false);
/** On Int32 buffers: high half from the lower rank, low half from the higher one (associative, not commutative). */
const HILO = MPI.Op.Create((invec: Int32Array, inout: Int32Array) => {
  for (let i = 0; i < inout.length; i++) inout[i] = (invec[i]! & ~0xffff) | (inout[i]! & 0xffff);
}, false);

function add2(a: Float64Array, b: Float64Array): Float64Array {
  return a.map((x, i) => x + b[i]!);
}

/** The engine under test (reproducibility is checked against mpi4ts's own trees, not an MPI library's). */
function engineName(): string {
  return MPI.Get_library_version().split(" ")[1] ?? "";
}

/** Lets other ranks run between polls (busy polling starves them when ranks outnumber cores). */
const pause = () => new Promise<void>((resolve) => setTimeout(resolve, 1));

async function run(): Promise<void> {
  for (const [label, comm] of comms) {
    const rank = comm.rank;
    const size = comm.size;
    const ctx = (what: string) => `${label} rank ${rank}/${size}: ${what}`;

    // ---- barrier ----
    comm.barrier();
    comm.Barrier();
    await comm.ibarrier();
    comm.Ibarrier().wait();

    for (let root = 0; root < size; root++) {
      // ---- values ----
      const obj = { from: rank, list: [rank, "r" + rank], big: BigInt(rank) * 10n ** 20n };
      const b = comm.bcast(rank === root ? obj : null, root);
      assert.deepEqual(b, { from: root, list: [root, "r" + root], big: BigInt(root) * 10n ** 20n }, ctx(`bcast root ${root}`));

      const seq = rank === root ? range(size).map((i) => ({ to: i, s: "x".repeat(i) })) : null;
      assert.deepEqual(comm.scatter(seq, root), { to: rank, s: "x".repeat(rank) }, ctx(`scatter root ${root}`));

      const g = comm.gather({ r: rank }, root);
      if (rank === root) assert.deepEqual(g, range(size).map((r) => ({ r })), ctx(`gather root ${root}`));
      else assert.equal(g, null, ctx("gather non-root"));

      const red = comm.reduce(rank + 1, MPI.SUM, root);
      assert.equal(red, rank === root ? (size * (size + 1)) / 2 : null, ctx(`reduce root ${root}`));
      const cat = comm.reduce(String.fromCharCode(65 + (rank % 26)), MPI.SUM, root);
      if (rank === root) assert.equal(cat, range(size).map((r) => String.fromCharCode(65 + (r % 26))).join(""), ctx("reduce strings in rank order"));
      const prod = comm.reduce(mat(rank), MATMUL, root);
      if (rank === root) assert.deepEqual(prod, range(size).map(mat).reduce(mul), ctx(`reduce non-commutative root ${root}`));

      // ---- buffers ----
      const bb = new Int32Array(5).map((_, i) => (rank === root ? i * 3 + root : -1));
      comm.Bcast(bb, root);
      assert.deepEqual([...bb], range(5).map((i) => i * 3 + root), ctx(`Bcast root ${root}`));
      const ib = new Float64Array(3).fill(rank === root ? root + 0.5 : 0);
      await comm.Ibcast(ib, root);
      assert.deepEqual([...ib], [root + 0.5, root + 0.5, root + 0.5], ctx(`Ibcast root ${root}`));

      const sendAll = rank === root ? Int16Array.from(range(2 * size), (i) => i * 7) : null;
      const part = new Int16Array(2);
      comm.Scatter(sendAll, part, root);
      assert.deepEqual([...part], [rank * 14, (2 * rank + 1) * 7], ctx(`Scatter root ${root}`));
      const part2 = new Int16Array(2);
      comm.Iscatter(sendAll, part2, root).wait();
      assert.deepEqual([...part2], [...part], ctx(`Iscatter root ${root}`));
      if (rank === root) {
        const keep = sendAll!.slice();
        comm.Scatter(keep, MPI.IN_PLACE, root);
        assert.deepEqual([...keep], [...sendAll!], ctx("Scatter IN_PLACE keeps the root's data"));
      } else {
        comm.Scatter(null, new Int16Array(2), root);
      }

      // Scatterv/Gatherv with uneven counts (rank i gets i+1 elements), reversed displacements.
      const counts = range(size).map((i) => i + 1);
      const total = counts.reduce((a, c) => a + c, 0);
      const displs = range(size).map((i) => total - counts.slice(0, i + 1).reduce((a, c) => a + c, 0));
      const vsend = rank === root ? Float32Array.from(range(total), (i) => i + 0.25) : null;
      const vpart = new Float32Array(rank + 1);
      comm.Scatterv(vsend ? [vsend, counts, displs] : null, vpart, root);
      assert.deepEqual([...vpart], range(rank + 1).map((i) => displs[rank]! + i + 0.25), ctx(`Scatterv root ${root}`));
      const vback = rank === root ? new Float32Array(total) : null;
      comm.Gatherv(vpart, vback ? [vback, counts, displs] : null, root);
      if (rank === root) assert.deepEqual([...vback!], [...vsend!], ctx(`Gatherv root ${root}`));
      // Default displacements.
      const dback = rank === root ? new Float32Array(total) : null;
      comm.Gatherv(Float32Array.from(range(rank + 1), () => rank), dback ? [dback, counts] : null, root);
      if (rank === root) assert.deepEqual([...dback!], counts.flatMap((c, r) => new Array(c).fill(r)), ctx("Gatherv default displs"));

      const gsend = Uint8Array.from([rank, rank + 1, rank + 2]);
      const grecv = rank === root ? new Uint8Array(3 * size) : null;
      comm.Gather(gsend, grecv, root);
      if (rank === root) assert.deepEqual([...grecv!], range(size).flatMap((r) => [r, r + 1, r + 2]), ctx(`Gather root ${root}`));
      const grecv2 = rank === root ? new Uint8Array(3 * size) : null;
      await comm.Igather(gsend, grecv2, root);
      if (rank === root) assert.deepEqual([...grecv2!], [...grecv!], ctx(`Igather root ${root}`));
      if (rank === root) {
        const inplace = new Uint8Array(3 * size);
        inplace.set(gsend, 3 * root);
        comm.Gather(MPI.IN_PLACE, inplace, root);
        assert.deepEqual([...inplace], [...grecv!], ctx("Gather IN_PLACE"));
      } else {
        comm.Gather(gsend, null, root);
      }

      const rsend = Float64Array.from(range(4), (i) => rank * 4 + i);
      const rrecv = rank === root ? new Float64Array(4) : null;
      comm.Reduce(rsend, rrecv, MPI.SUM, root);
      if (rank === root) assert.deepEqual([...rrecv!], range(4).map((i) => 16 * triangle(size) / 4 + i * size), ctx(`Reduce root ${root}`));
      const rrecv2 = rank === root ? new Float64Array(4) : null;
      const req = comm.Ireduce(rsend, rrecv2, MPI.MAX, root);
      while (!req.test()[0]) await pause(); // polling drives the schedule
      if (rank === root) assert.deepEqual([...rrecv2!], range(4).map((i) => (size - 1) * 4 + i), ctx(`Ireduce root ${root}`));
      if (rank === root) {
        const inplace = rsend.slice();
        comm.Reduce(MPI.IN_PLACE, inplace, MPI.SUM, root);
        assert.deepEqual([...inplace], [...rrecv!], ctx("Reduce IN_PLACE"));
      } else {
        comm.Reduce(rsend, null, MPI.SUM, root);
      }
      const hilo = rank === root ? new Int32Array(2) : null;
      comm.Reduce(Int32Array.from([rank << 16 | rank, (rank + 1) << 16 | (rank + 1)]), hilo, HILO, root);
      if (rank === root) assert.deepEqual([...hilo!], [size - 1, 1 << 16 | size], ctx(`Reduce non-commutative buffer op, root ${root}`));

      // Large: raw (unframed) messages, scatter+allgather bcast, Rabenseifner reduce.
      if (root === 0 || root === size - 1) {
        const big = new Float64Array(100_000).map((_, i) => (rank === root ? i * 0.5 + root : 0));
        comm.Bcast(big, root);
        assert.ok(big.every((v, i) => v === i * 0.5 + root), ctx(`Bcast large root ${root}`));
        const ibig = new Float64Array(100_000).map((_, i) => (rank === root ? -i : 0));
        const ireq = comm.Ibcast(ibig, root);
        let spins = 0;
        while (!ireq.test()[0]) { spins++; await pause(); }
        assert.ok(ibig.every((v, i) => v === -i || (v === 0 && i === 0)), ctx(`Ibcast large root ${root} (${spins} tests)`));
        const ired = rank === root ? new Float64Array(100_000) : null;
        await comm.Ireduce(ibig, ired, MPI.MAX, root);
        if (rank === root) assert.ok(ired!.every((v, i) => v === -i || (v === 0 && i === 0)), ctx(`Ireduce large root ${root}`));
        const bigRecv = rank === root ? new Float64Array(100_000) : null;
        comm.Reduce(Float64Array.from(big, (v) => v + rank), bigRecv, MPI.SUM, root);
        if (rank === root) assert.ok(bigRecv!.every((v, i) => v === size * (i * 0.5 + root) + triangle(size)), ctx(`Reduce large root ${root}`));
        const gbig = new Uint8Array(70_000).fill(rank + 1);
        const gall = rank === root ? new Uint8Array(70_000 * size) : null;
        comm.Gather(gbig, gall, root);
        if (rank === root) assert.ok(range(size).every((r) => gall![r * 70_000] === r + 1 && gall![r * 70_000 + 69_999] === r + 1), ctx("Gather large"));
        const sback = new Uint8Array(70_000);
        comm.Scatter(gall, sback, root);
        assert.ok(sback.every((v) => v === rank + 1), ctx("Scatter large"));
        const vbig = comm.bcast(rank === root ? "é".repeat(300_000) : null, root);
        assert.equal(vbig.length, 300_000, ctx("bcast of a large value"));
        const vg = comm.gather(new Array(20_000).fill(rank), root);
        if (rank === root) assert.ok(vg!.every((a, r) => a.length === 20_000 && a[19_999] === r), ctx("gather of large values"));
      }
    }

    // ---- all-to-all family, values ----
    assert.deepEqual(comm.allgather(rank * 2), range(size).map((r) => r * 2), ctx("allgather"));
    assert.deepEqual(comm.alltoall(range(size).map((d) => `${rank}->${d}`)), range(size).map((s) => `${s}->${rank}`), ctx("alltoall"));
    assert.equal(comm.allreduce(rank + 1), (size * (size + 1)) / 2, ctx("allreduce"));
    assert.deepEqual(comm.allreduce([rank, -rank - 1], MPI.MAX), [size - 1, -1], ctx("allreduce MAX on arrays"));
    assert.deepEqual(comm.allreduce(mat(rank), MATMUL), range(size).map(mat).reduce(mul), ctx("allreduce non-commutative"));
    assert.equal(comm.scan(rank + 1), ((rank + 1) * (rank + 2)) / 2, ctx("scan"));
    assert.equal(comm.exscan(rank + 1), rank === 0 ? undefined : (rank * (rank + 1)) / 2, ctx("exscan"));
    assert.deepEqual(comm.scan(mat(rank), MATMUL), range(rank + 1).map(mat).reduce(mul), ctx("scan non-commutative"));
    if (rank > 0) assert.deepEqual(comm.exscan(mat(rank), MATMUL), range(rank).map(mat).reduce(mul), ctx("exscan non-commutative"));
    else assert.equal(comm.exscan(mat(rank), MATMUL), undefined);
    assert.equal(comm.scan("abcdefghijklmnopqrstuvwxyz"[rank % 26]), range(rank + 1).map((r) => "abcdefghijklmnopqrstuvwxyz"[r % 26]).join(""), ctx("scan strings"));

    // ---- values of mixed sizes: some ranks' fit the shared area of the local engine, others' do not ----
    {
      const item = (r: number, d = 0) => ((r + d) % 3 === 1 ? `${r}:${d}:` + "z".repeat(90_000) : `${r}:${d}`);
      const root = size - 1;
      const gathered = comm.gather(item(rank), root);
      if (rank === root) assert.deepEqual(gathered, range(size).map((r) => item(r)), ctx("gather of mixed sizes"));
      assert.deepEqual(comm.allgather(item(rank)), range(size).map((r) => item(r)), ctx("allgather of mixed sizes"));
      const scattered = comm.scatter(rank === root ? range(size).map((d) => item(root, d)) : null, root);
      assert.equal(scattered, item(root, rank), ctx("scatter of mixed sizes"));
      assert.deepEqual(comm.alltoall(range(size).map((d) => item(rank, d))), range(size).map((s) => item(s, rank)), ctx("alltoall of mixed sizes"));
      const joined = range(size).map((r) => item(r)).join("");
      assert.equal(comm.reduce(item(rank), MPI.SUM, root), rank === root ? joined : null, ctx("reduce of mixed sizes"));
      assert.equal(comm.allreduce(item(rank), MPI.SUM), joined, ctx("allreduce of mixed sizes"));
      assert.equal(comm.bcast(rank === root ? item(1) : null, root), item(1), ctx("bcast of a value too big for the area"));
      const blocks = Int32Array.from(range(size * 20_000), (i) => i * (rank + 1));
      const swapped = new Int32Array(size * 20_000);
      comm.Alltoall(blocks, swapped);
      assert.ok(range(size).every((s) => swapped[s * 20_000 + 7] === (rank * 20_000 + 7) * (s + 1)), ctx("Alltoall of blocks too big for the area"));
      const gathers = new Int32Array(size * 20_000);
      comm.Allgather(blocks.subarray(0, 20_000), gathers);
      assert.ok(range(size).every((s) => gathers[s * 20_000 + 3] === 3 * (s + 1)), ctx("Allgather of blocks too big for the area"));
    }

    // ---- all-to-all family, buffers ----
    const ag = new Int32Array(2 * size);
    comm.Allgather(Int32Array.from([rank, -rank]), ag);
    assert.deepEqual([...ag], range(size).flatMap((r) => [r, -r || 0]), ctx("Allgather"));
    const agi = new Int32Array(2 * size);
    agi.set([rank, -rank], 2 * rank);
    comm.Allgather(MPI.IN_PLACE, agi);
    assert.deepEqual([...agi], [...ag], ctx("Allgather IN_PLACE"));
    const agn = new Int32Array(2 * size);
    await comm.Iallgather(Int32Array.from([rank, -rank]), agn);
    assert.deepEqual([...agn], [...ag], ctx("Iallgather"));
    for (const n of [1, 40_000]) {
      const counts = range(size).map((r) => n * ((r % 3) + 1));
      const total = counts.reduce((a, c) => a + c, 0);
      const agv = new Uint16Array(total);
      comm.Allgatherv(new Uint16Array(counts[rank]!).fill(rank + 1), [agv, counts]);
      let at = 0;
      for (let r = 0; r < size; r++) {
        assert.ok(agv.subarray(at, at + counts[r]!).every((v) => v === r + 1), ctx(`Allgatherv block ${r} (n=${n})`));
        at += counts[r]!;
      }
      // Non-contiguous displacements: blocks in reverse order with a gap after each.
      const displs = range(size).map((r) => (size - 1 - r) * (3 * n + 1));
      const sparse = new Uint16Array(size * (3 * n + 1));
      comm.Allgatherv(new Uint16Array(counts[rank]!).fill(rank + 1), [sparse, counts, displs]);
      for (let r = 0; r < size; r++) {
        assert.ok(sparse.subarray(displs[r], displs[r]! + counts[r]!).every((v) => v === r + 1), ctx(`Allgatherv displs block ${r}`));
        assert.equal(sparse[displs[r]! + counts[r]!] ?? 0, 0, ctx("Allgatherv leaves gaps alone"));
      }
    }

    const a2aSend = Int32Array.from(range(2 * size), (i) => rank * 1000 + i);
    const a2aRecv = new Int32Array(2 * size);
    comm.Alltoall(a2aSend, a2aRecv);
    const a2aExpect = range(size).flatMap((s) => [s * 1000 + 2 * rank, s * 1000 + 2 * rank + 1]);
    assert.deepEqual([...a2aRecv], a2aExpect, ctx("Alltoall"));
    const a2aN = new Int32Array(2 * size);
    await comm.Ialltoall(a2aSend, a2aN);
    assert.deepEqual([...a2aN], a2aExpect, ctx("Ialltoall"));
    const a2aIn = a2aSend.slice();
    comm.Alltoall(MPI.IN_PLACE, a2aIn);
    assert.deepEqual([...a2aIn], a2aExpect, ctx("Alltoall IN_PLACE"));
    for (const scale of [1, 30_000]) {
      // rank s sends (s + d) % 3 + 1 units to rank d
      const sc = range(size).map((d) => scale * (((rank + d) % 3) + 1));
      const rc = range(size).map((s) => scale * (((s + rank) % 3) + 1));
      const sbuf = new Float64Array(sc.reduce((a, c) => a + c, 0));
      let at = 0;
      sc.forEach((c, d) => { sbuf.fill(rank * 100 + d, at, at + c); at += c; });
      const rbuf = new Float64Array(rc.reduce((a, c) => a + c, 0));
      comm.Alltoallv([sbuf, sc], [rbuf, rc]);
      at = 0;
      rc.forEach((c, s) => {
        assert.ok(rbuf.subarray(at, at + c).every((v) => v === s * 100 + rank), ctx(`Alltoallv from ${s} (scale ${scale})`));
        at += c;
      });
    }

    for (const count of [1, 8, 1000, 50_000]) {
      const send = Float64Array.from(range(count), (i) => rank * 0.1 + i);
      const recv = new Float64Array(count);
      comm.Allreduce(send, recv, MPI.SUM);
      for (const i of [0, count >> 1, count - 1]) {
        assert.ok(Math.abs(recv[i]! - (0.1 * triangle(size) + i * size)) < 1e-6 * (1 + i * size), ctx(`Allreduce count ${count} [${i}] = ${recv[i]}`));
      }
      // Every rank holds the same bits, and so does every repetition (fixed reduction order).
      const again = new Float64Array(count);
      comm.Allreduce(send, again, MPI.SUM);
      assert.deepEqual(again, recv, ctx(`Allreduce count ${count} repeats bit for bit`));
      const everyone = new Float64Array(3 * size);
      comm.Allgather(Float64Array.from([recv[0]!, recv[count >> 1]!, recv[count - 1]!]), everyone);
      for (let r = 0; r < size; r++) {
        assert.deepEqual([...everyone.subarray(3 * r, 3 * r + 3)], [...everyone.subarray(0, 3)], ctx(`Allreduce count ${count}: rank ${r} has other bits`));
      }
      const inplace = send.slice();
      comm.Allreduce(MPI.IN_PLACE, inplace, MPI.SUM);
      assert.deepEqual(inplace, recv, ctx(`Allreduce IN_PLACE count ${count}`));
      const nb = new Float64Array(count);
      const r = comm.Iallreduce(send, nb, MPI.SUM);
      await r;
      // (MPI libraries may use another algorithm for the nonblocking call: equal up to rounding.)
      assert.ok(nb.every((v, i) => Math.abs(v - recv[i]!) <= 1e-12 * Math.abs(recv[i]!)), ctx(`Iallreduce count ${count}`));
      const mx = new Float64Array(count);
      comm.Allreduce(send, mx, MPI.MIN);
      assert.equal(mx[count - 1], count - 1, ctx("Allreduce MIN"));
      if (count % 2 === 0) {
        // Non-commutative buffer op over the large path: segments keep the rank order.
        const hs = new Int32Array(count).fill(rank << 16 | rank);
        const hr = new Int32Array(count);
        comm.Allreduce(hs, hr, HILO);
        assert.ok(hr.every((v) => v === (size - 1)), ctx(`Allreduce HILO count ${count}`));
      }
    }

    // Reproducibility across runs: the result is a fixed function of the inputs, simulated here: small counts
    // meet in shared memory and fold right to left, c0 + (c1 + (... + cp-1)); large counts use the combination
    // tree that recursive doubling and reduce-scatter + allgather share. Inputs span magnitudes, so another order
    // would round differently.
    if (engineName() === "local" || engineName() === "self") {
      const contribution = (r: number, n: number) => Float64Array.from(range(n), (i) => Math.sin(r * 977 + i) * 10 ** ((r + i) % 7));
      const allreduceTree = (n: number): Float64Array => {
        const pof2 = 2 ** Math.floor(Math.log2(size)), rem = size - pof2;
        const parts: Float64Array[] = [];
        for (let r = 0; r < size; r++) {
          if (r < 2 * rem) { if (r % 2 === 1) parts.push(add2(contribution(r - 1, n), contribution(r, n))); }
          else parts.push(contribution(r, n));
        }
        let level = parts;
        while (level.length > 1) {
          const next: Float64Array[] = [];
          for (let j = 0; j < level.length; j += 2) next.push(add2(level[j]!, level[j + 1]!));
          level = next;
        }
        return level[0]!;
      };
      const rightFold = (n: number): Float64Array<ArrayBufferLike> => {
        let acc: Float64Array<ArrayBufferLike> = contribution(size - 1, n);
        for (let r = size - 2; r >= 0; r--) acc = add2(contribution(r, n), acc);
        return acc;
      };
      for (const [n, expected] of [[8, rightFold], [50_000, allreduceTree]] as const) {
        const out = new Float64Array(n);
        comm.Allreduce(contribution(rank, n), out, MPI.SUM);
        assert.deepEqual(out, expected(n), ctx(`Allreduce of ${n} doubles equals the documented order bit for bit`));
      }
      const red = rank === size - 1 ? new Float64Array(8) : null;
      comm.Reduce(contribution(rank, 8), red, MPI.SUM, size - 1);
      if (red) assert.deepEqual(red, rightFold(8), ctx("Reduce equals the documented order bit for bit"));
      const vsum = comm.allreduce(contribution(rank, 1)[0]!, MPI.SUM);
      assert.equal(vsum, rightFold(1)[0], ctx("allreduce of numbers follows the same order"));
      const scanned = new Float64Array(8);
      comm.Scan(contribution(rank, 8), scanned, MPI.SUM);
      let prefix: Float64Array<ArrayBufferLike> = contribution(rank, 8);
      for (let r = rank - 1; r >= 0; r--) prefix = add2(contribution(r, 8), prefix);
      assert.deepEqual(scanned, prefix, ctx("Scan folds the same way over ranks 0..rank"));
    }

    // Reduce_scatter_block and Reduce_scatter.
    const rsb = Int32Array.from(range(3 * size), (i) => i + rank);
    const rsbOut = new Int32Array(3);
    comm.Reduce_scatter_block(rsb, rsbOut, MPI.SUM);
    assert.deepEqual([...rsbOut], range(3).map((j) => size * (3 * rank + j) + triangle(size)), ctx("Reduce_scatter_block"));
    const rsbIn = rsb.slice();
    comm.Reduce_scatter_block(MPI.IN_PLACE, rsbIn, MPI.SUM);
    assert.deepEqual([...rsbIn.subarray(0, 3)], [...rsbOut], ctx("Reduce_scatter_block IN_PLACE"));
    const rcounts = range(size).map((r) => r + 1);
    const rtotal = rcounts.reduce((a, c) => a + c, 0);
    const rsOut = new Float64Array(rank + 1);
    comm.Reduce_scatter(Float64Array.from(range(rtotal), (i) => i * rank), rsOut, rcounts, MPI.SUM);
    const first = rcounts.slice(0, rank).reduce((a, c) => a + c, 0);
    assert.deepEqual([...rsOut], range(rank + 1).map((j) => (first + j) * triangle(size)), ctx("Reduce_scatter"));

    // Scan / Exscan on buffers, including a non-commutative op.
    const sc = new Int32Array(2);
    comm.Scan(Int32Array.from([rank + 1, 1]), sc, MPI.SUM);
    assert.deepEqual([...sc], [((rank + 1) * (rank + 2)) / 2, rank + 1], ctx("Scan"));
    const ex = new Int32Array([-7, -7]);
    comm.Exscan(Int32Array.from([rank + 1, 1]), ex, MPI.SUM);
    assert.deepEqual([...ex], rank === 0 ? [-7, -7] : [(rank * (rank + 1)) / 2, rank], ctx("Exscan (rank 0 unchanged)"));
    const scIn = Int32Array.from([rank + 1, 1]);
    comm.Scan(MPI.IN_PLACE, scIn, MPI.SUM);
    assert.deepEqual([...scIn], [...sc], ctx("Scan IN_PLACE"));
    const hl = new Int32Array(1);
    comm.Scan(Int32Array.of(rank << 16 | rank), hl, HILO);
    assert.equal(hl[0], rank, ctx("Scan non-commutative"));

    // A blocking collective while a nonblocking one is in flight (its messages may wait here meanwhile).
    const early = new Float64Array(2).fill(rank === 0 ? 7 : 0);
    const pendingBcast = comm.Ibcast(early, 0);
    comm.Barrier();
    assert.equal(comm.allreduce(1), size, ctx("allreduce while an Ibcast is in flight"));
    comm.Barrier();
    pendingBcast.wait();
    assert.deepEqual([...early], [7, 7], ctx("Ibcast completed after blocking collectives"));

    // Several nonblocking collectives in flight at once, completed out of order.
    const reqA = new Float64Array(2);
    const reqB = new Int32Array(size);
    const ra = comm.Iallreduce(Float64Array.of(rank, 1), reqA, MPI.SUM);
    const rb = comm.Iallgather(Int32Array.of(rank * 3), reqB);
    const rc = comm.Ibarrier();
    MPI.Request.waitall([rc, rb, ra]);
    assert.deepEqual([...reqA], [triangle(size), size], ctx("concurrent Iallreduce"));
    assert.deepEqual([...reqB], range(size).map((r) => r * 3), ctx("concurrent Iallgather"));

    // ---- errors (detected on every rank before anything is sent) ----
    expectError("ERR_ROOT", () => comm.bcast(1, size), /bcast on rank \d+ of .*root/);
    expectError("ERR_ROOT", () => comm.Bcast(new Int8Array(1), -1), /Bcast.*root -1/);
    expectError("ERR_ROOT", () => comm.reduce(1, MPI.SUM, 1.5));
    expectError("ERR_ROOT", () => comm.Gather(new Int8Array(1), new Int8Array(size), size + 3));
    expectError("ERR_OP", () => comm.Allreduce(new Float64Array(2), new Float64Array(2), MPI.BAND), /BAND.*integer/);
    expectError("ERR_OP", () => comm.allreduce(1, "SUM" as unknown as MPI.Op), /op must be/);
    expectError("ERR_TYPE", () => comm.Allreduce(new Float64Array(2), new Float32Array(2)));
    expectError("ERR_TRUNCATE", () => comm.Allreduce(new Float64Array(4), new Float64Array(2)));
    expectError("ERR_TRUNCATE", () => comm.Allgather(new Int8Array(3), new Int8Array(2 * size)));
    expectError("ERR_COUNT", () => comm.Allgather(new Int8Array(1), new Int8Array(2 * size)), /sendbuf has 1 bytes/);
    expectError("ERR_COUNT", () => comm.alltoall(range(size + 1)), /alltoall.*items/);
    expectError("ERR_BUFFER", () => comm.Bcast([1, 2, 3] as unknown as Float64Array), /typed array/);
    expectError("ERR_BUFFER", () => comm.Allgatherv(new Int8Array(1), [new Int8Array(size - 1), range(size).map(() => 1)]));
    expectError("ERR_COUNT", () => comm.Allgatherv(new Int8Array(1), [new Int8Array(size), new Array<number>(size + 1).fill(1)]));
    if (size > 1) expectError("ERR_ARG", () => comm.Reduce(MPI.IN_PLACE, new Int8Array(1), MPI.SUM, (rank + 1) % size), /IN_PLACE/);
    expectError("ERR_COUNT", () => comm.Reduce_scatter(new Int8Array(size + 1), new Int8Array(3), range(size).map(() => 1)), /counts add up/);
  }

  // Root-only checks, on COMM_SELF so that no peer is left waiting.
  const self = MPI.COMM_SELF;
  expectError("ERR_COUNT", () => self.scatter([1, 2], 0), /scatter on rank 0 of MPI_COMM_SELF \(size 1\): seq has 2 items/);
  expectError("ERR_ARG", () => self.scatter(null, 0));
  expectError("ERR_TRUNCATE", () => self.Gather(new Int8Array(4), new Int8Array(2), 0));
  expectError("ERR_TRUNCATE", () => self.Scatter(new Int8Array(4), new Int8Array(2), 0));
  expectError("ERR_BUFFER", () => self.Scatterv([new Int8Array(2), [3]], new Int8Array(3), 0), /runs past the end/);
  expectError("ERR_TRUNCATE", () => self.Scatterv([new Int8Array(3), [3]], new Int8Array(2), 0));
  assert.deepEqual(self.scatter(["only"], 0), "only");
  const selfAll = new Float64Array(3);
  self.Allreduce(Float64Array.of(1, 2, 3), selfAll);
  assert.deepEqual([...selfAll], [1, 2, 3]);

  // A freed communicator.
  const dup = world.Dup();
  dup.Free();
  expectError("ERR_COMM", () => dup.bcast(1), /freed/);
  expectError("ERR_COMM", () => dup.Allreduce(new Int8Array(1), new Int8Array(1)));
  expectError("ERR_COMM", () => MPI.COMM_NULL.barrier(), /COMM_NULL/);

  world.Barrier();
}

await run();
