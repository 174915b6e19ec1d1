/**
 * What each rank of an mpi-engine job is blocked in, for the launcher's report when the job hangs (`--timeout`,
 * Ctrl-C and the other signals), as the local engine reports from its shared memory.
 *
 * MPI offers no such view, and a rank blocked inside MPI runs no JavaScript to ask. So the rank writes the call
 * before it enters MPI and clears it after, into a small file of the launcher's job directory that the addon maps
 * shared (`mapShared`): each write is a memory store, and the launcher reads the files whatever the ranks are
 * doing. Only ranks on the launcher's host find the directory; the report says so of the others.
 *
 * A rank's record is six Int32 words: its state, the call (an index into CALLS), the communicator (its handle:
 * 0 is MPI_COMM_WORLD, 1 MPI_COMM_SELF, -1 unknown) and the peer (a communicator rank, ANY_SOURCE or -3 for none) with the
 * tag, a count of the calls entered, by which the launcher tells a rank stuck in one call from a rank that
 * keeps entering new ones, and whether the rank ever called Spawn (whose processes have no records here). Writes are not atomic as a group: the state word goes last on entry and first on exit,
 * so a reader sees a whole record or "running". The names of the rank's communicators (Get_name) go, one line per
 * communicator made or renamed, to a second file beside it, `names-R`, for the report to name them.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { ANY_SOURCE, ANY_TAG } from "../constants.js";

const DIR_VARIABLE = "MPI4TS_STATE_DIR";
const HOST_VARIABLE = "MPI4TS_STATE_HOST";
const RECORD_BYTES = 32;
const STATE = 0, CALL = 1, COMM = 2, PEER = 3, TAG = 4, ENTERED = 5, SPAWNED = 6;
const RUNNING = 0, BLOCKED = 1;
/** No peer: collectives, waits over several requests. */
export const NO_PEER = -3;

/** The calls a rank can be blocked in; callers use `blockingCall(name)` once, at module load. */
const CALLS = [
  "", "recv", "probe", "mprobe", "send", "ssend", "wait", "Request.waitall", "Request.waitany", "Request.waitsome",
  "Barrier", "Bcast", "Gather", "Scatter", "Allgather", "Alltoall", "Reduce", "Allreduce", "Reduce_scatter", "Scan",
  "Exscan", "Dup", "Split", "Create", "Create_group", "Split_type", "Spawn", "Merge",
  "the end of the program, waiting for its sends to be received", "MPI_Finalize, waiting for the other ranks to end",
  "a collective (the first that makes the internal channel, MPI_Comm_idup)",
] as const;
export type BlockingCall = (typeof CALLS)[number];

const SPAWN_CALL = CALLS.indexOf("Spawn");

/** The code of a call, for `BlockedState.enter`. */
export function blockingCall(name: Exclude<BlockingCall, "">): number {
  return CALLS.indexOf(name);
}

/**
 * A rank's record: written around every blocking MPI call. Calls nest (finalize waits for its buffered sends with
 * `wait`); the outermost is the one the user made, so it stays recorded until it returns.
 */
export class BlockedState {
  readonly #words: Int32Array;
  readonly #names: string;
  #depth = 0;

  private constructor(words: Int32Array, names: string) {
    this.#words = words;
    this.#names = names;
  }

  /** In a rank: its record, when the launcher that started it is on this host (else nothing is recorded). */
  static open(worldRank: number, map: (path: string, bytes: number) => ArrayBuffer | undefined,
    env: NodeJS.ProcessEnv = process.env): BlockedState | undefined {
    const dir = env[DIR_VARIABLE];
    if (!dir || env[HOST_VARIABLE] !== hostname() || !existsSync(dir)) return undefined;
    const buffer = map(join(dir, `rank-${worldRank}`), RECORD_BYTES);
    return buffer ? new BlockedState(new Int32Array(buffer), join(dir, `names-${worldRank}`)) : undefined;
  }

  /** Records that the communicator of MPI handle `handle` is called `name` (the last line of a handle wins). */
  name(handle: number, name: string): void {
    try {
      appendFileSync(this.#names, `${JSON.stringify([handle, name])}\n`);
    } catch { /* (a report without the name still says the handle) */ }
  }

  enter(call: number, comm: number, peer: number, tag: number): void {
    const w = this.#words;
    if (call === SPAWN_CALL) w[SPAWNED] = 1;
    if (this.#depth++ > 0) return;
    w[CALL] = call; w[COMM] = comm; w[PEER] = peer; w[TAG] = tag;
    w[ENTERED] = (w[ENTERED]! + 1) | 0;
    w[STATE] = BLOCKED;
  }

  leave(): void {
    if (--this.#depth > 0) return;
    this.#words[STATE] = RUNNING;
  }
}

/** In the launcher: the job's directory of records, and the report made from them. */
export class BlockedStates {
  readonly env: Record<string, string>;
  readonly #dir: string;

  constructor() {
    this.#dir = mkdtempSync(join(tmpdir(), "mpi4ts-state-"));
    this.env = { [DIR_VARIABLE]: this.#dir, [HOST_VARIABLE]: hostname() };
    // close() removes it; this is for a launcher that dies of an error on the way there.
    process.once("exit", () => this.close());
  }

  /** One line per rank ("  rank 1: blocked in recv(source=0, tag=5) on MPI_COMM_WORLD"), after a newline. */
  report(size: number): string {
    const lines: string[] = [];
    for (let rank = 0; rank < size; rank++) lines.push(`  rank ${rank}: ${this.#describe(rank)}`);
    return `\n${lines.join("\n")}`;
  }

  /**
   * Calls `onStall(report)` once every rank has sat in the same blocking MPI call for `quietMs` (no rank entered
   * or left one meanwhile), and again only after something moved. Without MPI's view of messages in flight this
   * cannot tell a deadlock from one very long transfer, so it reports and leaves the job running. Ranks without
   * a record (other hosts, C or mpi4py ranks) turn it off, and so does a Spawn (spawned processes keep none).
   * Returns the function that stops watching.
   */
  watchForStall(size: number, quietMs: number, onStall: (report: string) => void): () => void {
    let last = "", since = 0, reported = false;
    const timer = setInterval(() => {
      const now = Date.now();
      const records = Array.from({ length: size }, (_, r) => this.#record(r));
      // Once a rank has spawned, processes the records do not show may be what the others wait for.
      if (records.some((w) => w?.[SPAWNED] === 1)) return;
      const stuck = records.every((w) => w !== undefined && w[STATE] === BLOCKED);
      const key = stuck ? records.map((w) => `${w![CALL]}:${w![ENTERED]}`).join(",") : "";
      if (key !== last) {
        last = key;
        since = now;
        reported = false;
      } else if (stuck && !reported && now - since >= quietMs) {
        reported = true;
        onStall(this.report(size));
      }
    }, Math.min(500, quietMs / 4));
    timer.unref();
    return () => clearInterval(timer);
  }

  #record(rank: number): Int32Array | undefined {
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(this.#dir, `rank-${rank}`));
    } catch {
      return undefined;
    }
    return bytes.length < RECORD_BYTES ? undefined : new Int32Array(bytes.buffer, bytes.byteOffset, RECORD_BYTES / 4);
  }

  /** The name rank `rank` gave the communicator of handle `handle`, if it gave one. */
  #nameOf(rank: number, handle: number): string | undefined {
    let name: string | undefined;
    try {
      for (const line of readFileSync(join(this.#dir, `names-${rank}`), "utf8").split("\n")) {
        if (!line) continue;
        const [h, n] = JSON.parse(line) as [number, string];
        if (h === handle) name = n;
      }
    } catch { /* no names, or one being written */ }
    return name || undefined;
  }

  #describe(rank: number): string {
    const w = this.#record(rank);
    if (!w) return "no report (not on this host, or not started)";
    if (w[STATE] !== BLOCKED) return "running";
    const call = CALLS[w[CALL]!] ?? "an MPI call";
    const handle = w[COMM]!;
    const named = (h: number) => {
      const name = this.#nameOf(rank, h);
      return name ? `${name} (communicator #${h})` : `communicator #${h}`;
    };
    const on = handle < 0 ? "" : ` on ${handle === 0 ? "MPI_COMM_WORLD" : handle === 1 ? "MPI_COMM_SELF" : named(handle)}`;
    const peer = w[PEER]!, tag = w[TAG]!;
    if (peer === NO_PEER) return `blocked in ${call}${on}`;
    const who = call === "send" || call === "ssend" ? `dest=${peer}` : `source=${peer === ANY_SOURCE ? "ANY_SOURCE" : peer}`;
    return `blocked in ${call}(${who}, tag=${tag === ANY_TAG ? "ANY_TAG" : tag})${on}`;
  }

  close(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
