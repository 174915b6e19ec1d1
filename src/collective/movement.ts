/**
 * Data-movement collectives over a communicator's internal channel (MPI-4.0 §6.3-6.8), on bytes: each a
 * generator run by transport.ts's drivers. Trees are binomial in ranks relative to the root (vrank), so every
 * rank sends and receives O(log p) messages and no root loops over all ranks.
 */
import {
  FRAME_LIMIT, framedBuffer, readInt, receive, receiveFollowUp, receiveOrRefusal, send, sendFollowUp, sendPacket, sendRefusal, packet, writeInt,
  type Algorithm, type Call, type Incoming, type Packet,
} from "./transport.js";
import { type ErrorClass, MPIError } from "../errors.js";
import type { EngineRequest } from "../engine/engine.js";

const EMPTY = new Uint8Array(0);

export function ceilPow2(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

export function floorPow2(n: number): number {
  let p = 1;
  while (p * 2 <= n) p <<= 1;
  return p;
}

/** The size of vrank v's subtree in a binomial tree of `size` nodes rooted at 0 (before clipping at size). */
export function span(v: number, size: number): number {
  return v === 0 ? ceilPow2(size) : v & -v;
}


// ---- barrier ---------------------------------------------------------------------------------------------

/** Dissemination barrier: ceil(log2 p) rounds of empty messages (Hensgen, Finkel and Manber). */
export function* barrier(call: Call): Algorithm {
  const { rank, size } = call.p2p;
  for (let k = 1; k < size; k <<= 1) {
    yield [receive(call, (rank - k + size) % size, EMPTY), send(call, (rank + k) % size, EMPTY)];
  }
}

// ---- bcast -----------------------------------------------------------------------------------------------

/** Above this many bytes (and with at least 4 ranks), bcast scatters the buffer and allgathers it back. */
export const LARGE_BCAST = 512 << 10;

/**
 * Broadcast from `call.root`. `buf` is the data at the root and the destination elsewhere; null on a non-root
 * means "whatever size the root sends" (values), and the received bytes are returned. `sized`: every rank knows
 * the length (buffers), which allows the large-message algorithm.
 */
export function* bcast(call: Call, buf: Uint8Array | null, sized = true): Algorithm<Uint8Array> {
  const { rank, size } = call.p2p;
  const root = call.root;
  if (size === 1) return buf!;
  if (sized && buf && buf.length >= LARGE_BCAST && size >= 4) {
    yield* bcastScatterAllgather(call, buf);
    return buf;
  }
  const v = (rank - root + size) % size;
  const s = span(v, size);
  let data: Uint8Array;
  let out: Packet;
  if (v !== 0) {
    const incoming = receive(call, (v - s + root) % size, buf ?? undefined);
    yield [incoming];
    data = incoming.data;
    out = incoming.framed ? { bytes: incoming.framed, framed: true } : { bytes: data, framed: false };
  } else {
    data = buf!;
    out = packet(call, data);
  }
  const sends: EngineRequest[] = [];
  for (let m = s >> 1; m >= 1; m >>= 1) if (v + m < size) sends.push(sendPacket(call, (v + m + root) % size, out));
  if (sends.length) yield sends;
  return data;
}

/** Van de Geijn's large broadcast: binomial scatter of p chunks, then a ring allgather; both in place. */
function* bcastScatterAllgather(call: Call, buf: Uint8Array): Algorithm {
  const { rank, size } = call.p2p;
  const root = call.root;
  const n = buf.length;
  const off = (i: number) => Math.floor((i * n) / size);
  const abs = (v: number) => (v + root) % size;
  const v = (rank - root + size) % size;
  const s = span(v, size);
  if (v !== 0) {
    const end = Math.min(v + s, size);
    yield [receive(call, abs(v - s), buf.subarray(off(v), off(end)))];
  }
  const sends: EngineRequest[] = [];
  for (let m = s >> 1; m >= 1; m >>= 1) {
    if (v + m < size) sends.push(send(call, abs(v + m), buf.subarray(off(v + m), off(Math.min(v + 2 * m, size)))));
  }
  if (sends.length) yield sends;
  const right = abs((v + 1) % size), left = abs((v - 1 + size) % size);
  for (let k = 0; k < size - 1; k++) {
    const out = (v - k + size) % size, into = (v - k - 1 + size) % size;
    yield [
      receive(call, left, buf.subarray(off(into), off(into + 1))),
      send(call, right, buf.subarray(off(out), off(out + 1))),
    ];
  }
}

// ---- gather ----------------------------------------------------------------------------------------------

/**
 * A subtree's contribution, as sent to its parent: [int32 n][int32 length of each of n blocks, in vrank order]
 * then the blocks' bytes, inline when the whole fits FRAME_LIMIT, else in a second message.
 */
interface Subtree {
  readonly lengths: number[];
  readonly total: number;
  /** The blocks' bytes, when they came inline. */
  readonly inline: Uint8Array | null;
}

function tableBytes(n: number): number {
  return 4 + 4 * n;
}

function isInline(n: number, total: number): boolean {
  return tableBytes(n) + total <= FRAME_LIMIT;
}

function parseSubtree(incoming: Incoming, expected: number, source: number): Subtree {
  const b = incoming.data;
  const n = b.length >= 4 ? readInt(b, 0) : -1;
  if (n !== expected || b.length < tableBytes(n)) {
    throw new MPIError("ERR_INTERN", `collective: malformed subtree table from rank ${source}`);
  }
  const lengths: number[] = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const len = readInt(b, 4 + 4 * i);
    lengths.push(len);
    total += len;
  }
  const inline = isInline(n, total);
  if (b.length !== tableBytes(n) + (inline ? total : 0)) {
    throw new MPIError("ERR_INTERN", `collective: subtree message from rank ${source} has ${b.length} bytes, expected ${tableBytes(n) + (inline ? total : 0)}`);
  }
  return { lengths, total, inline: inline ? b.subarray(tableBytes(n)) : null };
}

/** Sends a subtree [table][data] to `dest`: one framed message when small, else the table then the data. */
function sendSubtree(call: Call, dest: number, lengths: readonly number[], data: Uint8Array[] | Uint8Array): EngineRequest[] {
  const n = lengths.length;
  const total = lengths.reduce((a, b) => a + b, 0);
  const inline = isInline(n, total);
  const { framed, payload } = framedBuffer(tableBytes(n) + (inline ? total : 0));
  writeInt(payload, 0, n);
  for (let i = 0; i < n; i++) writeInt(payload, 4 + 4 * i, lengths[i]!);
  const chunks = Array.isArray(data) ? data : [data];
  if (inline) {
    let at = tableBytes(n);
    for (const c of chunks) { payload.set(c, at); at += c.length; }
    return [send(call, dest, payload, framed)];
  }
  // The table is always framed, so the follow-up (same payload kind) stays behind it on every engine.
  const requests = [send(call, dest, payload, framed, true)];
  if (chunks.length === 1) {
    requests.push(sendFollowUp(call, dest, chunks[0]!));
  } else {
    const joined = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) { joined.set(c, at); at += c.length; }
    requests.push(sendFollowUp(call, dest, joined));
  }
  return requests;
}

/**
 * Binomial gather of one block per rank, of sizes only their senders know. At the root, returns every rank's
 * block (views into received memory; the root's own is `mine`); null elsewhere.
 */
export function* gatherBlocks(call: Call, mine: Uint8Array): Algorithm<Uint8Array[] | null> {
  const { rank, size } = call.p2p;
  const root = call.root;
  if (size === 1) return [mine];
  const abs = (v: number) => (v + root) % size;
  const v = (rank - root + size) % size;
  const s = span(v, size);
  const children: number[] = [];
  for (let m = 1; m < s && v + m < size; m <<= 1) children.push(v + m);
  const tables = children.map((c) => receive(call, abs(c)));
  if (tables.length) yield tables;
  const subtrees = tables.map((t, i) => {
    const c = children[i]!;
    return parseSubtree(t, Math.min(c + span(c, size), size) - c, abs(c));
  });

  if (v === 0) {
    const blocks: Uint8Array[] = new Array(size);
    blocks[root] = mine;
    const pending: EngineRequest[] = [];
    subtrees.forEach((st, i) => {
      let data = st.inline;
      if (!data) {
        data = new Uint8Array(st.total);
        pending.push(receiveFollowUp(call, abs(children[i]!), data));
      }
      let at = 0;
      st.lengths.forEach((len, j) => {
        blocks[abs(children[i]! + j)] = data!.subarray(at, at + len);
        at += len;
      });
    });
    if (pending.length) yield pending;
    return blocks;
  }

  const lengths = [mine.length, ...subtrees.flatMap((st) => st.lengths)];
  const total = lengths.reduce((a, b) => a + b, 0);
  const parent = abs(v - s);
  if (children.length === 0) {
    yield sendSubtree(call, parent, lengths, mine);
    return null;
  }
  // Assemble own block and the children's in vrank order; children's big data lands there directly.
  const assembly = new Uint8Array(total);
  assembly.set(mine, 0);
  let at = mine.length;
  const pending: EngineRequest[] = [];
  for (let i = 0; i < subtrees.length; i++) {
    const st = subtrees[i]!;
    if (st.inline) assembly.set(st.inline, at);
    else pending.push(receiveFollowUp(call, abs(children[i]!), assembly.subarray(at, at + st.total)));
    at += st.total;
  }
  if (pending.length) yield pending;
  yield sendSubtree(call, parent, lengths, assembly);
  return null;
}

// ---- scatter ---------------------------------------------------------------------------------------------

/**
 * Binomial scatter of one block per rank (`blocks` at the root, indexed by rank; sizes only the root knows).
 * Returns this rank's block (a view into received memory; at the root, `blocks[root]`).
 */
export function* scatterBlocks(call: Call, blocks: readonly Uint8Array[] | null): Algorithm<Uint8Array> {
  const { rank, size } = call.p2p;
  const root = call.root;
  if (size === 1) return blocks![0]!;
  const abs = (v: number) => (v + root) % size;
  const v = (rank - root + size) % size;
  const s = span(v, size);
  const extent = Math.min(v + s, size) - v;
  let lengths: number[];
  let data: Uint8Array | null = null;
  if (v === 0) {
    lengths = Array.from({ length: size }, (_, j) => blocks![abs(j)]!.length);
  } else {
    const parent = abs(v - s);
    const table = receiveOrRefusal(call, parent);
    yield [table];
    if (table.refusal) {
      yield* refuseSubtree(call, table.refusal.errorClass);
      throw table.refusal.error;
    }
    const st = parseSubtree(table, extent, parent);
    lengths = st.lengths;
    data = st.inline;
    if (!data) {
      data = new Uint8Array(st.total);
      yield [receiveFollowUp(call, parent, data)];
    }
  }
  const offsets = [0];
  for (const len of lengths) offsets.push(offsets[offsets.length - 1]! + len);
  const sends: EngineRequest[] = [];
  for (let m = s >> 1; m >= 1; m >>= 1) {
    const c = v + m;
    if (c >= size) continue;
    const end = Math.min(c + m, size);
    const sub = lengths.slice(c - v, end - v);
    const chunk = data
      ? data.subarray(offsets[c - v]!, offsets[end - v]!)
      : Array.from({ length: end - c }, (_, j) => blocks![abs(c + j)]!);
    sends.push(...sendSubtree(call, abs(c), sub, chunk));
  }
  if (sends.length) yield sends;
  return data ? data.subarray(0, lengths[0]) : blocks![root]!;
}

/**
 * The scatter of a root that refused its own arguments (Collectives.refuse), or the rest of it on an inner rank
 * that received the refusal: its children in the tree get the refusal instead of their subtree's blocks, so every
 * rank's call fails with the root's error class instead of waiting.
 */
export function* refuseSubtree(call: Call, errorClass: ErrorClass): Algorithm {
  const { rank, size } = call.p2p;
  const v = (rank - call.root + size) % size;
  const sends: EngineRequest[] = [];
  for (let m = span(v, size) >> 1; m >= 1; m >>= 1) {
    if (v + m < size) sends.push(sendRefusal(call, (v + m + call.root) % size, errorClass));
  }
  if (sends.length) yield sends;
}

// ---- allgather -------------------------------------------------------------------------------------------

/**
 * Allgather of blocks whose sizes every rank knows, in place in `recv` (own block already there). Recursive
 * doubling when p is a power of two and the blocks are contiguous in rank order; a ring otherwise.
 */
export function* allgatherv(call: Call, recv: Uint8Array, counts: readonly number[], displs: readonly number[]): Algorithm {
  const { rank, size } = call.p2p;
  if (size === 1) return;
  let contiguous = true;
  for (let i = 0; i + 1 < size; i++) if (displs[i + 1] !== displs[i]! + counts[i]!) contiguous = false;
  const range = (from: number, to: number) => recv.subarray(displs[from]!, displs[to - 1]! + counts[to - 1]!);
  if (contiguous && (size & (size - 1)) === 0) {
    for (let mask = 1; mask < size; mask <<= 1) {
      const partner = rank ^ mask;
      const mineFrom = rank & ~(mask - 1), theirsFrom = partner & ~(mask - 1);
      yield [
        receive(call, partner, range(theirsFrom, theirsFrom + mask)),
        send(call, partner, range(mineFrom, mineFrom + mask)),
      ];
    }
    return;
  }
  const right = (rank + 1) % size, left = (rank - 1 + size) % size;
  for (let k = 0; k < size - 1; k++) {
    const out = (rank - k + size) % size, into = (rank - k - 1 + size) % size;
    yield [receive(call, left, range(into, into + 1)), send(call, right, range(out, out + 1))];
  }
}

// ---- alltoall --------------------------------------------------------------------------------------------

/** Above this many bytes sent per rank, alltoall goes pairwise (one peer per step) instead of all at once. */
const ALLTOALL_AT_ONCE = 256 << 10;

/**
 * Personalized exchange: `out[r]` goes to rank r; returns what each rank sent here. `into[r]`, when given, is where
 * rank r's block must land (exact length); otherwise memory is allocated for whatever arrives.
 */
export function* exchange(call: Call, out: readonly Uint8Array[], into: readonly Uint8Array[] | null): Algorithm<Uint8Array[]> {
  const { rank, size } = call.p2p;
  const result: Uint8Array[] = new Array(size);
  if (into) {
    if (out[rank]!.length > into[rank]!.length) {
      throw new MPIError("ERR_TRUNCATE", `this rank sends itself ${out[rank]!.length} bytes but receives ${into[rank]!.length}`);
    }
    into[rank]!.set(out[rank]!);
    result[rank] = into[rank]!;
  } else {
    result[rank] = out[rank]!;
  }
  if (size === 1) return result;
  let total = 0;
  for (const o of out) total += o.length;
  const atOnce = total <= ALLTOALL_AT_ONCE;
  let step: EngineRequest[] = [];
  const incoming: [number, Incoming][] = [];
  for (let k = 1; k < size; k++) {
    const src = (rank - k + size) % size, dst = (rank + k) % size;
    const r = receive(call, src, into ? into[src] : undefined);
    incoming.push([src, r]);
    step.push(r, send(call, dst, out[dst]!));
    if (!atOnce) {
      yield step;
      step = [];
    }
  }
  if (step.length) yield step;
  for (const [src, r] of incoming) result[src] = r.data;
  return result;
}
