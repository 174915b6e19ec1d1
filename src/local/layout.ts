/**
 * The shared memory of a local job, in one SharedArrayBuffer created by the launcher and handed to every rank.
 *
 *   [job header: JOB_BYTES]  [rank 0: control CONTROL_BYTES | inbox ring ringBytes]  [rank 1: ...] ...
 *   [COMM_WORLD's shared area (arena.ts), for jobs of up to SHARED_MAX_RANKS ranks]
 *
 * Every rank owns one inbox: a multi-producer, single-consumer byte ring. Senders append records under the
 * inbox's lock; only the owning rank reads them. All offsets below are in Int32 words unless named *_BYTES.
 *
 * Ordering rules (JavaScript's memory model: Atomics operations are sequentially consistent, and plain reads and
 * writes before an Atomics store are visible to a thread whose Atomics load observes that store):
 *  - a sender writes a record's header and payload with plain stores, then publishes it with Atomics.store(TAIL);
 *    the receiver reads TAIL with Atomics.load before reading the record;
 *  - the receiver frees space with Atomics.store(HEAD) only after it has finished reading the record;
 *  - wake-ups: a sender does Atomics.add(DOORBELL) after publishing, then Atomics.load(SLEEPING) and notifies if
 *    set; a receiver loads DOORBELL, stores SLEEPING=1, re-checks TAIL, then Atomics.wait(DOORBELL, loaded value).
 *    Either the receiver sees the record, or the sender sees SLEEPING=1, or the wait returns at once.
 */
import { SHARED_MAX_RANKS } from "../engine/engine.js";
import { arenaBytes } from "./arena.js";

/** Job header words. */
export const JOB_ABORT = 0; // 0 = running; otherwise abortWord(aborter, code)
/** Contexts handed out job-wide (Idup's), counted up by Atomics.add; see LocalEngine.jobWideBase. */
export const JOB_CONTEXTS = 1;
export const JOB_BYTES = 256;

/** The JOB_ABORT word: who ends the job (a world rank, or -1 for the launcher) and the exit code (0..255). */
export function abortWord(aborter: number, code: number): number {
  return ((aborter + 2) << 8) | (code & 0xff);
}

export function readAbortWord(word: number): { aborter: number; code: number } {
  return { aborter: (word >> 8) - 2, code: word & 0xff };
}

/** Per-rank control words. Producer-written and consumer-written words sit on different cache lines. */
export const LOCK = 0; // inbox lock: 0 free, 1 held, 2 held with waiters (futex mutex)
/**
 * Which job rank the slot holds, as its difference from the slot's index (so zeroed memory, the first ranks'
 * slots, means "slot s holds rank s"; -1 - s: nobody). Written by the launcher only (slots.ts): before the slot's
 * first rank starts, and under LOCK when it recycles the slot of a spawned rank that ended. Senders read it under
 * LOCK, so that nothing meant for the rank that ended reaches the new one.
 */
export const OWNER = 1;
export const TAIL = 16; // bytes appended so far (mod 2^32), written by senders under LOCK
export const HEAD = 32; // bytes consumed so far (mod 2^32), written by the owner
export const DOORBELL = 48; // bumped by every sender after publishing
export const SLEEPING = 49; // 1 while the owner may be waiting on DOORBELL
/** What the rank is doing, for deadlock reports and for peers to notice a finished rank. */
export const STATE = 56; // RUNNING | BLOCKED | FINISHED
export const STATE_CALL = 57; // index into BLOCKING_CALLS while BLOCKED
export const STATE_PEER = 58; // the peer (communicator rank) it waits for, or ANY_SOURCE
export const STATE_TAG = 59;
export const STATE_CONTEXT = 60;
/** While BLOCKED in a wait over requests (Request.waitall, `await`...): that call, an index into WAIT_CALLS. */
export const STATE_VIA = 61;
/** KiB of large messages handed off to this rank and not yet taken by a receive (handoff.ts; senders add, it subtracts). */
export const HELD_KIB = 62;
/**
 * EXPENDABLE while the rank serves a pool (mpi4ts/futures): its failure then breaks that pool instead of ending
 * the job. The launcher adds FAILED, and the exit code from bit 8 on, when such a rank fails.
 */
export const EXIT_FLAGS = 63;
export const EXPENDABLE = 1;
export const FAILED = 2;
export const CONTROL_BYTES = 256;

export const RUNNING = 0;
export const BLOCKED = 1;
export const FINISHED = 2;

export const BLOCKING_CALLS = [
  "", "recv", "probe", "ssend", "send (inbox full)", "wait", "collective", "irecv", "issend",
  "send (until received: the receiver holds too many unreceived large messages)",
] as const;
export const CALL_RECV = 1;
export const CALL_PROBE = 2;
export const CALL_SSEND = 3;
export const CALL_SEND_FULL = 4;
export const CALL_WAIT = 5;
export const CALL_COLLECTIVE = 6;
export const CALL_IRECV = 7;
export const CALL_ISSEND = 8;
export const CALL_SEND_HELD = 9;
/** How a rank waits for requests (STATE_VIA); 0: it waits in the call STATE_CALL names itself. */
export const WAIT_CALLS = ["", "waitall", "waitany", "waitsome", "await"] as const;

/** Inbox record header: eight Int32 words, then the payload; records start 8-byte aligned and never wrap. */
export const R_BYTES = 0; // the whole record's length, header included, multiple of 8
export const R_TYPE = 1; // RECORD_* | kind << 4 | SYNC_FLAG
export const R_CONTEXT = 2;
export const R_SOURCE = 3; // sender's rank in the communicator
export const R_TAG = 4;
export const R_LENGTH = 5; // payload bytes (for handoffs: the handed-off message's bytes)
export const R_ID = 6; // message id (per sender) for handoffs and synchronous-send acks
export const R_SENDER = 7; // sender's world rank
export const HEADER_BYTES = 32;

export const RECORD_EAGER = 0; // payload inline
export const RECORD_HANDOFF = 1; // payload in a SharedArrayBuffer posted on the pair's MessagePort
export const RECORD_ACK = 2; // a synchronous send was matched (R_ID)
export const RECORD_PAD = 3; // filler up to the end of the ring
export const TYPE_MASK = 0xf;
export const SYNC_FLAG = 0x100;

export interface JobLayout {
  /** Ranks the job starts with (its first COMM_WORLD). */
  readonly size: number;
  /** Ranks the job can ever have: `size`, plus the slots Spawn fills (MPI's UNIVERSE_SIZE). */
  readonly capacity: number;
  readonly ringBytes: number;
  /** Largest payload that travels inline in the ring; larger ones are handed off. */
  readonly eagerLimit: number;
  /** Where COMM_WORLD's shared area starts, in bytes; -1 when the job is too big (or too small) to have one. */
  readonly arenaOffset: number;
  /** Bytes of each pair's pipe (pipes.ts), after everything else; 0 when large messages go over ports instead. */
  readonly pipeBytes: number;
}

/** Inbox slots a job keeps for spawned ranks, unless MPI4TS_UNIVERSE_SIZE says how many ranks it may grow to. */
export const SPAWN_SLOTS = 16;

/** How many ranks a job may grow to by Spawn: MPI4TS_UNIVERSE_SIZE, else its size plus SPAWN_SLOTS. */
export function universeSize(size: number, env: Record<string, string | undefined> = process.env): number {
  const asked = Number(env.MPI4TS_UNIVERSE_SIZE);
  return Number.isInteger(asked) && asked > size ? asked : size + SPAWN_SLOTS;
}

/**
 * Ring size per rank: generous for few ranks, bounded for many (pages are only committed once touched, so the
 * slots kept for spawned ranks cost address space, not memory). `capacity` counts every rank the job may have.
 */
export function planLayout(size: number, capacity = size, pipes = false): JobLayout {
  const ringBytes = size <= 4 ? 4 << 20 : size <= 16 ? 2 << 20 : 1 << 20;
  const inboxesEnd = JOB_BYTES + size * (CONTROL_BYTES + ringBytes);
  const arenaOffset = size > 1 && size <= SHARED_MAX_RANKS ? inboxesEnd : -1;
  const pipeBytes = pipes ? PIPE_BYTES : 0;
  return { size, capacity: Math.max(size, capacity), ringBytes, eagerLimit: Math.min(256 << 10, ringBytes / 8), arenaOffset, pipeBytes };
}

/** A pipe's ring (a power of two, so that its byte counters wrap with it), after a header of PIPE_HEADER_BYTES. */
const PIPE_BYTES = 64 << 10;
const PIPE_HEADER_BYTES = 16;

/** The first rank's inboxes, then COMM_WORLD's shared area, then the slots for spawned ranks. */
function spawnSlotsOffsetBytes(layout: JobLayout): number {
  const inboxesEnd = JOB_BYTES + layout.size * (CONTROL_BYTES + layout.ringBytes);
  return inboxesEnd + (layout.arenaOffset < 0 ? 0 : arenaBytes(layout.size));
}

function pipesOffsetBytes(layout: JobLayout): number {
  return spawnSlotsOffsetBytes(layout) + (layout.capacity - layout.size) * (CONTROL_BYTES + layout.ringBytes);
}

export function jobBytes(layout: JobLayout): number {
  const pipes = layout.pipeBytes > 0 ? layout.capacity * layout.capacity * (PIPE_HEADER_BYTES + layout.pipeBytes) : 0;
  return pipesOffsetBytes(layout) + pipes;
}

/** The pipe from job rank `from` to job rank `to`: its counters (written, read) and its ring. */
export function pipeView(sab: SharedArrayBuffer, layout: JobLayout, from: number, to: number): { words: Int32Array; data: Uint8Array } {
  const base = pipesOffsetBytes(layout) + (from * layout.capacity + to) * (PIPE_HEADER_BYTES + layout.pipeBytes);
  return { words: new Int32Array(sab, base, 2), data: new Uint8Array(sab, base + PIPE_HEADER_BYTES, layout.pipeBytes) };
}

export function controlOffsetBytes(layout: JobLayout, slot: number): number {
  if (slot < layout.size) return JOB_BYTES + slot * (CONTROL_BYTES + layout.ringBytes);
  return spawnSlotsOffsetBytes(layout) + (slot - layout.size) * (CONTROL_BYTES + layout.ringBytes);
}

/** Views onto one slot's inbox. */
export interface InboxView {
  /** The slot's index (-1 for no slot: the stand-in for a rank that has ended, see `endedInbox`). */
  readonly slot: number;
  readonly control: Int32Array;
  readonly ring: Uint8Array;
  readonly ringWords: Int32Array;
}

export function inboxView(sab: SharedArrayBuffer, layout: JobLayout, slot: number): InboxView {
  const base = controlOffsetBytes(layout, slot);
  return {
    slot,
    control: new Int32Array(sab, base, CONTROL_BYTES / 4),
    ring: new Uint8Array(sab, base + CONTROL_BYTES, layout.ringBytes),
    ringWords: new Int32Array(sab, base + CONTROL_BYTES, layout.ringBytes / 4),
  };
}

/** The job rank whose inbox this is now (read under the inbox's LOCK to be sure it stays so). */
export function rankInSlot(inbox: InboxView): number {
  return inbox.slot + inbox.control[OWNER]!;
}

/** Where records for a rank whose slot now holds another go: nowhere (tryAppend drops them), and it has FINISHED. */
export function endedInbox(): InboxView {
  const control = new Int32Array(CONTROL_BYTES / 4);
  control[STATE] = FINISHED;
  control[OWNER] = -1;
  return { slot: -1, control, ring: new Uint8Array(8), ringWords: new Int32Array(2) };
}

export function jobHeader(sab: SharedArrayBuffer): Int32Array {
  return new Int32Array(sab, 0, JOB_BYTES / 4);
}
