/**
 * Rank output of `mpi4ts run --engine mpi`, line-atomic. Through mpirun, a rank's stdout is a pipe that mpirun
 * reads in chunks of its own size and writes out as they come, so a line longer than a chunk, or one caught
 * across two reads, comes out split and mixed with other ranks' lines (measured: 10-15% of the lines of
 * test/cli/fixtures/lines.ts at 4 ranks). So ranks on the launcher's host bypass mpirun: the launcher makes a
 * FIFO, and each rank writes its stdout and stderr there in frames of at most PIPE_BUF bytes, which the kernel
 * never splits or interleaves, each saying whose output it is. The launcher reassembles every rank's streams and
 * writes whole lines (LineRelay), prefixed with "[rank] " on --tag-output, as the local engine does. Ranks on other
 * hosts (no such FIFO there) write to mpirun as before.
 */
import { spawnSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from "node:fs";
import { Socket } from "node:net";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { StringDecoder } from "node:string_decoder";
import { LineRelay, PROGRESS, redirectOutput } from "../local/relay.js";
import { setProgressSink, type ProgressUpdate } from "../progress.js";
import type { ProgressBoard } from "./progress-board.js";

/** The environment by which the launcher tells its ranks where the FIFO is, and on which host. */
const FIFO_VARIABLE = "MPI4TS_OUTPUT_FIFO";
const HOST_VARIABLE = "MPI4TS_OUTPUT_HOST";

/** The largest write the kernel keeps whole on a pipe (POSIX's PIPE_BUF: 4096 on Linux, 512 at least). */
const PIPE_BUF = process.platform === "linux" ? 4096 : 512;
/** Frame header: rank (uint32), stream (1 | 2, or PROGRESS), payload length (uint16), little-endian. */
const HEADER = 7;

/** The world rank the MPI launcher gave this process, before MPI is initialised. */
export function launcherRank(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const text = env.OMPI_COMM_WORLD_RANK ?? env.PMIX_RANK ?? env.PMI_RANK;
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
}

/** In a rank (`mpi4ts exec`): sends stdout and stderr through the launcher's FIFO when it is on this host. */
export function sendOutputToLauncher(env: NodeJS.ProcessEnv = process.env): void {
  const path = env[FIFO_VARIABLE];
  const rank = launcherRank(env);
  if (!path || rank === undefined || env[HOST_VARIABLE] !== hostname()) return;
  let fd: number;
  try {
    if (!statSync(path).isFIFO()) return;
    // Non-blocking, so that a FIFO nobody reads any more (its launcher killed) fails at once instead of hanging.
    fd = openSync(path, constants.O_WRONLY | constants.O_NONBLOCK);
  } catch {
    return; // not this launcher's host after all, or its launcher is gone: mpirun carries the output
  }
  const frame = Buffer.alloc(PIPE_BUF);
  frame.writeUInt32LE(rank, 0);
  if (env.MPI4TS_PROGRESS === "1") {
    // An update is a few dozen bytes: one frame, written whole or dropped with the launcher gone.
    setProgressSink((update) => {
      const bytes = Buffer.from(JSON.stringify(update), "utf8");
      const progressFrame = Buffer.alloc(HEADER + bytes.length);
      progressFrame.writeUInt32LE(rank, 0);
      progressFrame.writeUInt8(PROGRESS, 4);
      progressFrame.writeUInt16LE(bytes.length, 5);
      bytes.copy(progressFrame, HEADER);
      try { writeFrame(fd, progressFrame); } catch { /* the launcher is gone */ }
    });
  }
  const restore = redirectOutput((stream, text) => {
    const bytes = Buffer.from(text, "utf8");
    for (let at = 0; at < bytes.length;) {
      const length = Math.min(bytes.length - at, PIPE_BUF - HEADER);
      frame.writeUInt8(stream, 4);
      frame.writeUInt16LE(length, 5);
      bytes.copy(frame, HEADER, at, at + length);
      try {
        writeFrame(fd, frame.subarray(0, HEADER + length));
      } catch {
        restore(); // the launcher is gone; what is left goes the ordinary way
        (stream === 1 ? process.stdout : process.stderr).write(bytes.subarray(at));
        return;
      }
      at += length;
    }
  });
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes a frame of at most PIPE_BUF bytes whole: on a non-blocking pipe such a write either goes in entirely or
 * fails with EAGAIN (the pipe is full until the launcher reads), never in part.
 */
function writeFrame(fd: number, frame: Buffer): void {
  for (;;) {
    try {
      writeSync(fd, frame);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") throw e;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/** The launcher's end: a FIFO for the ranks on this host, relayed line by line to its own stdout and stderr. */
export class OutputFifo {
  readonly env: Record<string, string>;
  readonly #dir: string;
  readonly #socket: Socket;
  readonly #drainFd: number;
  readonly #relays = new Map<number, { decoder: StringDecoder; relay: LineRelay }>();
  #pending = Buffer.alloc(0);

  private constructor(dir: string, path: string, private readonly tagOutput: boolean, private readonly board: ProgressBoard | undefined) {
    this.#dir = dir;
    // Opened for reading and writing, the FIFO neither blocks this open nor reports end-of-file when the last
    // rank closes it, so ranks may come and go in any order.
    this.#socket = new Socket({ fd: openSync(path, constants.O_RDWR | constants.O_NONBLOCK), readable: true, writable: false });
    this.#socket.on("data", (chunk: Buffer) => this.#take(chunk));
    this.#drainFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    this.env = { [FIFO_VARIABLE]: path, [HOST_VARIABLE]: hostname() };
  }

  /** Undefined where no FIFO can be made (no mkfifo): the ranks' output then goes through mpirun. */
  static create(tagOutput: boolean, board?: ProgressBoard): OutputFifo | undefined {
    const dir = mkdtempSync(join(tmpdir(), "mpi4ts-run-"));
    const path = join(dir, "output");
    if (spawnSync("mkfifo", ["-m", "600", path]).status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      return undefined;
    }
    // close() removes it; this is for a launcher that dies of an error on the way there.
    process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
    return new OutputFifo(dir, path, tagOutput, board);
  }

  #take(chunk: Buffer): void {
    let data = this.#pending.length > 0 ? Buffer.concat([this.#pending, chunk]) : chunk;
    while (data.length >= HEADER && data.length >= HEADER + data.readUInt16LE(5)) {
      const length = data.readUInt16LE(5);
      const rank = data.readUInt32LE(0);
      const kind = data.readUInt8(4);
      const payload = data.subarray(HEADER, HEADER + length);
      if (kind === PROGRESS) {
        this.board?.update(rank, JSON.parse(payload.toString("utf8")) as ProgressUpdate);
      } else {
        const { decoder, relay } = this.#streamOf(rank, kind === 2 ? 2 : 1);
        relay.push(decoder.write(payload));
      }
      data = data.subarray(HEADER + length);
    }
    this.#pending = Buffer.from(data);
  }

  #streamOf(rank: number, stream: 1 | 2) {
    const key = rank * 2 + stream - 1;
    let entry = this.#relays.get(key);
    if (!entry) {
      const prefix = this.tagOutput ? `[${rank}] ` : "";
      const to = stream === 1 ? process.stdout : process.stderr;
      entry = { decoder: new StringDecoder("utf8"), relay: new LineRelay(this.board ? this.board.around(to) : to, prefix) };
      this.#relays.set(key, entry);
    }
    return entry;
  }

  /** Once the ranks have ended: relays what is still in the FIFO, ends unfinished lines, removes the FIFO. */
  close(): void {
    this.#socket.pause();
    const buffer = Buffer.alloc(65536);
    for (;;) {
      let n = 0;
      try { n = readSync(this.#drainFd, buffer, 0, buffer.length, null); } catch { n = 0; } // EAGAIN: empty
      if (n <= 0) break;
      this.#take(Buffer.from(buffer.subarray(0, n)));
    }
    for (const { relay } of this.#relays.values()) relay.flush();
    this.#socket.destroy();
    closeSync(this.#drainFd);
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
