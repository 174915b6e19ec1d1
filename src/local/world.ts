/**
 * The launcher's side of a local job: creates the shared memory and the ranks' threads, relays their output line
 * by line, and supervises them. The launcher's thread never blocks, so it can always end the job: the first
 * failure (an uncaught exception, an unhandled rejection, a non-zero exit, Abort) ends every rank within a second;
 * a deadlock (every live rank blocked, no message in flight) is reported with what each rank waits for.
 */
import { writeSync } from "node:fs";
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from "node:worker_threads";
import {
  DOORBELL, EXIT_FLAGS, EXPENDABLE, FAILED, FINISHED, JOB_ABORT, STATE, abortWord, inboxView, jobBytes, jobHeader, planLayout,
  readAbortWord, universeSize, type JobLayout,
} from "./layout.js";
import { CommunicatorNames, describeBlocked, unmatchedCollectives, watchForDeadlock } from "./supervise.js";
import { createHeap } from "./heap.js";
import { LineRelay, PROGRESS, type OutputMessage, type TextSink } from "./relay.js";
import type { NewPorts, SpawnReply, SpawnRequest, SpawnedWorld, ToLauncher } from "./control.js";
import { ringDoorbell } from "./mailbox.js";
import { SlotTable } from "./slots.js";
import { compileProgram, locateProgram } from "../cli/program.js";
import { ProgressBoard } from "../cli/progress-board.js";
import type { ProgressUpdate } from "../progress.js";
import { userStack } from "../stack.js";
import { OUTPUT_CLOSED, endDescendants, onJobSignals, onOutputClosed } from "../cli/teardown.js";

/** What a rank's thread receives (workerData). */
export interface RankData {
  sab: SharedArrayBuffer;
  /** With pipes: the job's heap (heap.ts). */
  heap?: SharedArrayBuffer;
  layout: JobLayout;
  rank: number;
  /** The rank's inbox slot, and every other rank's whose slot is not its number (slots.ts). */
  slot: number;
  movedPeers: [rank: number, slot: number][];
  ports: (MessagePort | undefined)[];
  /** Where the rank posts its output (see relay.ts), and hears the program's URL once it is compiled. */
  output: MessagePort;
  /** Spawn requests and their answers, and ports to ranks spawned later (control.ts). */
  control: MessagePort;
  programPath: string;
  args: string[];
  /** For a rank started by Spawn: its COMM_WORLD and its parents. */
  spawned?: SpawnedWorld;
}

/** The launcher's first message on a rank's output port. */
export interface StartMessage { programUrl: string }

/** The ranks one Spawn started, and how they are ending: their slots are recycled once all ended well. */
interface SpawnedRanks { readonly ranks: readonly number[]; running: number; endedWell: boolean }

export interface JobOptions {
  size: number;
  /** Resolves when the program is ready to import; a rejection ends the job and rejects runLocalJob. */
  programUrl: Promise<string>;
  programPath: string;
  args: string[];
  tagOutput: boolean;
  /** Seconds; undefined for no limit. */
  timeout?: number;
  deadlockCheck: boolean;
  /** Variables added to the ranks' environment. */
  env?: Record<string, string>;
  /** Draw the ranks' MPI.progress lines (the launcher's stdout is a terminal). */
  progress?: boolean;
  /**
   * A job that a program started with plain node grows into at its first Spawn (src/local/in-process.ts): its
   * memory, and the control port of its rank 0, the program's own thread, which this launcher does not start.
   * The launcher then runs on a thread of that program, whose main thread may block at any time: it writes the
   * ranks' output straight to the process's stdout and stderr, and leaves signals and stdin to the program.
   */
  adopted?: { readonly sab: SharedArrayBuffer; readonly layout: JobLayout; readonly control: MessagePort };
}

/** The process's stdout and stderr, written at once: for a launcher on a thread whose main thread may be blocked. */
const DIRECT_OUT: TextSink = { write: (text: string) => writeSync(1, text) };
const DIRECT_ERR: TextSink = { write: (text: string) => writeSync(2, text) };

const ABORT_GRACE_MS = 1000;
/** How long the processes the ranks started get to end after SIGTERM before SIGKILL. */
const CHILD_GRACE_MS = 400;
/** How long the ranks of a traced job get to write their trace parts before their threads are terminated. */
const TRACE_FLUSH_MS = 500;
/**
 * How long a Spawn that finds no free slot waits for ranks spawned earlier to end and give theirs up (a pool shut
 * down just before a new one starts: its workers are still leaving) before it is refused.
 */
const ROOM_WAIT_MS = 2000;

/** Runs a job to the end and returns the exit code the launcher should exit with. */
export function runLocalJob(options: JobOptions): Promise<number> {
  // MPI4TS_PIPES=1 moves large messages as a browser job does (pipes.ts), so that Node's tests cover that path.
  const adopted = options.adopted;
  const layout = adopted?.layout ?? planLayout(options.size, universeSize(options.size), process.env.MPI4TS_PIPES === "1");
  const sab = adopted?.sab ?? new SharedArrayBuffer(jobBytes(layout));
  const heap = layout.pipeBytes > 0 ? createHeap() : undefined;
  const header = jobHeader(sab);
  const slots = new SlotTable(sab, layout, layout.pipeBytes === 0);
  // The inboxes of the ranks started so far, by job rank (spawned ones join; those whose slots are recycled
  // leave): what the deadlock watch and the abort look at.
  const inboxes = Array.from({ length: options.size }, (_, r) => inboxView(sab, layout, r));
  const ports = pairChannels(options.size);
  const workerUrl = new URL("./rank.js", import.meta.url);
  const relays: LineRelay[] = [];
  const workers: Worker[] = [];
  const outputs: MessagePort[] = [];
  const controls: MessagePort[] = [];
  const names = new CommunicatorNames();
  let live = options.size;
  let exitCode = 0;
  let ending = false;
  let poolBroke = false;
  const board = options.progress && !adopted ? new ProgressBoard(process.stdout) : undefined;
  const stdout: TextSink = adopted ? DIRECT_OUT : board ? board.around(process.stdout) : process.stdout;
  const stderr: TextSink = adopted ? DIRECT_ERR : board ? board.around(process.stderr) : process.stderr;

  return new Promise<number>((resolve, reject) => {
    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      for (const t of timers) clearInterval(t);
      for (const relay of relays) relay.flush();
      // (a pool worker that failed or left took no further part: its count says nothing)
      const unmatched = ending || exitCode !== 0 || poolBroke ? undefined : unmatchedCollectives(sab, layout);
      if (unmatched) stderr.write(`mpi4ts: warning: ${unmatched}\n`);
      board?.close();
      stopListening();
      resolve(exitCode);
    };

    /** Ends the whole job with `code` (the first reason wins). */
    const endJob = (code: number, message?: string) => {
      if (ending) return;
      ending = true;
      exitCode = code;
      if (message) stderr.write(message.endsWith("\n") ? message : `${message}\n`);
      Atomics.compareExchange(header, JOB_ABORT, 0, abortWord(-1, code));
      inboxes.forEach((inbox) => Atomics.notify(inbox.control, DOORBELL));
      // Ranks of a traced job, woken by the abort word, write their trace parts as they end (docs/trace.md).
      const terminate = () => { for (const w of workers) void w.terminate(); };
      if (process.env.MPI4TS_TRACE) setTimeout(terminate, TRACE_FLUSH_MS).unref();
      else terminate();
      // An adopted rank 0 learns of the end at its next MPI call (ERR_ABORTED). The process is the program's: one
      // still running after the grace (computing without MPI calls, or going on after the error) is ended as
      // mpirun ends its ranks, with a SIGTERM. (The timer keeps only this thread alive, which the program does not wait for.)
      if (adopted) {
        setTimeout(() => {
          stderr.write(`mpi4ts: rank 0 did not end within ${ABORT_GRACE_MS / 1000} s of the job's end; ending it (SIGTERM)\n`);
          process.kill(process.pid, "SIGTERM");
        }, ABORT_GRACE_MS);
        return;
      }
      const grace = setTimeout(() => {
        stderr.write("mpi4ts: ranks did not stop in time; exiting\n");
        for (const relay of relays) relay.flush();
        process.exit(exitCode);
      }, ABORT_GRACE_MS);
      grace.unref();
      // A rank waiting for a child process (execSync) stops only once that child has ended.
      void endDescendants(CHILD_GRACE_MS);
    };

    const stopWatching = adopted ? () => {} : watchProcess(endJob, inboxes, names);
    let stopStdin = () => {};
    const stopListening = () => { stopWatching(); stopStdin(); };

    /** Starts rank `rank`'s thread; it runs `programPath` once told the program's URL on its output port. */
    const startRank = (rank: number, programPath: string, args: string[], spawned?: SpawnedWorld, world?: SpawnedRanks) => {
      const output = new MessageChannel();
      const launcherLink = new MessageChannel();
      outputs[rank] = output.port1;
      controls[rank] = launcherLink.port1;
      launcherLink.port1.on("message", (message: ToLauncher) => fromRank(rank, message));
      launcherLink.port1.unref();
      const row = ports[rank] ?? [];
      ports[rank] = undefined; // (its ports are the new thread's now)
      const data: RankData = {
        sab, ...(heap ? { heap } : {}), layout, rank, slot: slots.slot(rank)!, movedPeers: slots.moved(),
        ports: row, output: output.port2, control: launcherLink.port2, programPath, args, ...(spawned ? { spawned } : {}),
      };
      const worker = new Worker(workerUrl, {
        workerData: data,
        transferList: [output.port2, launcherLink.port2, ...row.filter((p): p is MessagePort => p !== undefined)],
        stdout: true,
        stderr: true,
        stdin: true,
        env: { ...process.env, ...options.env },
        name: `rank ${rank}`,
      });
      workers.push(worker);
      if (rank === 0) stopStdin = forwardStdin(worker); // (an adopted rank 0 is not started here)
      else worker.stdin!.end();
      const prefix = options.tagOutput ? `[${rank}] ` : "";
      const out = new LineRelay(stdout, prefix);
      const err = new LineRelay(stderr, prefix);
      relays.push(out, err);
      const relay = ([fd, text]: OutputMessage) => {
        if (fd === PROGRESS) board?.update(rank, JSON.parse(text) as ProgressUpdate);
        else (fd === 1 ? out : err).push(text);
      };
      output.port1.on("message", relay);
      // Whatever bypasses the captured streams (Node's own warnings) still arrives through the worker's streams.
      worker.stdout.setEncoding("utf8").on("data", (text: string) => out.push(text));
      worker.stderr.setEncoding("utf8").on("data", (text: string) => err.push(text));
      const drainOutput = () => {
        for (let m = receiveMessageOnPort(output.port1); m; m = receiveMessageOnPort(output.port1)) relay(m.message as OutputMessage);
        out.flush();
        err.flush();
      };
      let failed = false;
      /** A pool worker's failure breaks its pool (the head's executor sees it), not the job. */
      const expendable = () => (Atomics.load(inboxes[rank]!.control, EXIT_FLAGS) & EXPENDABLE) !== 0;
      worker.on("error", (error: unknown) => {
        failed = true;
        if (ending) return;
        drainOutput();
        const abortState = Atomics.load(header, JOB_ABORT);
        if (abortState !== 0) {
          // A rank called Abort, which woke this one with ERR_ABORTED: the job ends with the Abort's code, and the
          // aborter said why (this error may come before the aborter's own exit).
          endJob(readAbortWord(abortState).code);
          return;
        }
        if (expendable()) {
          poolBroke = true;
          stderr.write(`mpi4ts: rank ${rank} failed:\n${formatError(error)}\nmpi4ts: rank ${rank} was a pool worker: its pool is broken, the job goes on\n`);
          return;
        }
        const ranks = inboxes.filter(() => true).length;
        endJob(1, `mpi4ts: rank ${rank} failed:\n${formatError(error)}\nmpi4ts: ending the job (${ranks} rank${ranks === 1 ? "" : "s"})`);
      });
      worker.on("exit", (code) => {
        drainOutput();
        output.port1.close();
        launcherLink.port1.close();
        const abortState = Atomics.load(header, JOB_ABORT);
        const control = inboxes[rank]!.control;
        // Still serving a pool as it ended (even with code 0: its answers will never come), so its pool breaks.
        const brokePool = !ending && abortState === 0 && expendable();
        if (brokePool) {
          poolBroke = true;
          Atomics.store(control, EXIT_FLAGS, EXPENDABLE | FAILED | ((failed && code === 0 ? 1 : code) << 8));
          if (!failed) stderr.write(`mpi4ts: rank ${rank} exited with code ${code} while serving a pool: its pool is broken, the job goes on\n`);
        }
        Atomics.store(control, STATE, FINISHED);
        inboxes.forEach((inbox) => Atomics.notify(inbox.control, DOORBELL));
        if (!ending && abortState !== 0) {
          const { code: abortCode } = readAbortWord(abortState);
          // The rank said so itself (comm.Abort prints which rank of which communicator called it).
          endJob(abortCode);
        } else if (!ending && code !== 0 && !failed && !brokePool) {
          endJob(code, `mpi4ts: rank ${rank} exited with code ${code}; ending the job`);
        }
        if (world) {
          if (failed || code !== 0 || brokePool) world.endedWell = false;
          if (--world.running === 0 && world.endedWell && !ending) recycle(world.ranks);
        }
        if (--live === 0) setImmediate(finish);
      });
    };

    /** The ranks of a spawned world that ended well leave the job's tables, and their slots are recycled. */
    const recycle = (ranks: readonly number[]) => {
      for (const rank of ranks) {
        delete inboxes[rank];
        delete outputs[rank];
        delete controls[rank];
      }
      slots.release(ranks, serveWaiting);
    };
    /**
     * Spawns waiting for slots, in the order they asked: served first come, first served whenever slots are freed
     * (a later request never takes slots before an earlier one), each refused after ROOM_WAIT_MS.
     */
    const waitingForRoom: { count: number; start: () => void; giveUp: NodeJS.Timeout }[] = [];
    const serveWaiting = () => {
      while (!ending && waitingForRoom.length > 0 && waitingForRoom[0]!.count <= slots.room) {
        const next = waitingForRoom.shift()!;
        clearTimeout(next.giveUp);
        next.start();
      }
    };

    /**
     * A Spawn's root asks for `maxprocs` ranks of a program: the launcher compiles it, gives every rank of the
     * job its ports to the new ranks (before they start, so no record can name a port not yet there), starts
     * them, and answers the root (then rings its doorbell). A refusal starts nothing.
     */
    const onSpawnRequest = (root: number, { spawn }: SpawnRequest) => {
      const answer = (reply: SpawnReply["spawned"]) => {
        controls[root]?.postMessage({ spawned: reply } satisfies SpawnReply);
        ringDoorbell(inboxes[root]!.control);
      };
      if (ending) return;
      const count = spawn.programs.reduce((n, p) => n + p.maxprocs, 0);
      const noRoom = () => {
        const room = slots.room;
        return count <= room ? undefined
          : `the job has room for ${room} more rank${room === 1 ? "" : "s"} (${layout.capacity} ${slots.recycles ? "at once" : "in all"}; set MPI4TS_UNIVERSE_SIZE for more), and Spawn asked for ${count}`;
      };
      const refusal = noRoom();
      // (more than the spawn slots of the job can ever hold: no waiting helps)
      if (refusal !== undefined && count > layout.capacity - layout.size) return answer({ id: spawn.id, error: refusal });
      let paths: string[];
      try {
        paths = spawn.programs.map((p) => locateProgram(p.program));
      } catch (e) {
        return answer({ id: spawn.id, error: e instanceof Error ? e.message : String(e) });
      }
      const start = (urls: string[]) => {
        if (ending) return;
        const ranks = slots.place(count);
        for (const [peer, given] of channelsTo(ranks, slots, ports)) {
          controls[peer]?.postMessage({ ports: given } satisfies NewPorts, given.map(([, port]) => port));
        }
        live += ranks.length;
        const world: SpawnedRanks = { ranks, running: ranks.length, endedWell: true };
        let rank = ranks[0]!;
        spawn.programs.forEach((p, appnum) => {
          for (let i = 0; i < p.maxprocs; i++, rank++) {
            inboxes[rank] = inboxView(sab, layout, slots.slot(rank)!);
            startRank(rank, paths[appnum]!, [...p.args], { world: ranks, appnum, parents: spawn.parents, base: spawn.base }, world);
            outputs[rank]!.postMessage({ programUrl: urls[appnum]! } satisfies StartMessage);
          }
        });
        answer({ id: spawn.id, ranks });
      };
      Promise.all(paths.map((path) => compileProgram(path))).then((urls) => {
        // Slots are taken once the programs compiled (another Spawn may have taken some meanwhile, or ranks
        // leaving may give theirs up soon).
        if (waitingForRoom.length === 0 && noRoom() === undefined) return start(urls);
        const waiter = {
          count,
          start: () => start(urls),
          giveUp: setTimeout(() => {
            waitingForRoom.splice(waitingForRoom.indexOf(waiter), 1);
            if (ending) return;
            answer({ id: spawn.id, error: noRoom() ?? `the job's free slots went to earlier spawns for ${ROOM_WAIT_MS / 1000} s` });
            serveWaiting(); // (a smaller request behind this one may fit)
          }, ROOM_WAIT_MS),
        };
        waitingForRoom.push(waiter);
      }, (error: unknown) => answer({ id: spawn.id, error: error instanceof Error ? error.message : String(error) }));
    };

    /** What a rank tells its launcher besides output: a Spawn request, or a communicator's name (control.ts). */
    const fromRank = (rank: number, message: ToLauncher) => {
      if ("name" in message) names.note(rank, message.name.id, message.name.name);
      else onSpawnRequest(rank, message);
    };

    if (adopted) {
      // Rank 0 runs already; it asks for ranks on its control port like any other.
      controls[0] = adopted.control;
      adopted.control.on("message", (message: ToLauncher) => fromRank(0, message));
    } else {
      for (let rank = 0; rank < options.size; rank++) startRank(rank, options.programPath, options.args);
    }

    const starts = workers.map((_, rank) => outputs[rank]!);
    options.programUrl.then(
      (programUrl) => { for (const port of starts) port.postMessage({ programUrl } satisfies StartMessage); },
      (error: unknown) => {
        ending = true;
        for (const w of workers) void w.terminate();
        for (const t of timers) clearInterval(t);
        stopListening();
        reject(error);
      },
    );

    if (options.timeout !== undefined) {
      const t = setTimeout(() => {
        endJob(124, `mpi4ts: the job exceeded --timeout ${options.timeout} s${describeBlocked(inboxes, names)}`);
      }, options.timeout * 1000);
      t.unref();
      timers.push(t);
    }
    if (options.deadlockCheck) timers.push(watchForDeadlock(inboxes, (report) => endJob(1, report), names));
  });
}

/** What only a launcher that owns its process watches (not an adopted job's): signals, and its output closing. */
function watchProcess(endJob: (code: number, message: string) => void, inboxes: ReturnType<typeof inboxView>[], names: CommunicatorNames): () => void {
  // Ctrl-C on a hung job says where each rank was, as --timeout does.
  const stopSignals = onJobSignals((signal, code) => endJob(code, `mpi4ts: received ${signal}; ending every rank${describeBlocked(inboxes, names)}`));
  const stopOutputWatch = onOutputClosed(() => endJob(OUTPUT_CLOSED, "mpi4ts: the output was closed; ending every rank"));
  return () => { stopSignals(); stopOutputWatch(); };
}

/**
 * The launcher's stdin goes to rank 0, as mpiexec does; the other ranks read an empty stdin. The pipe reads ahead
 * only as far as rank 0's stream buffers (backpressure), and the returned function lets the launcher exit even
 * when its stdin (a terminal, a pipe left open) never ends.
 */
function forwardStdin(worker: Worker): () => void {
  const input = process.stdin;
  const sink = worker.stdin!;
  sink.on("error", () => {}); // rank 0 ended before reading everything: the rest is not wanted
  input.pipe(sink);
  return () => {
    input.unpipe(sink);
    input.pause();
    input.destroy();
  };
}

/** One MessageChannel per pair of the first ranks; ports[r][p] is rank r's end of its channel with rank p. */
function pairChannels(size: number): ((MessagePort | undefined)[] | undefined)[] {
  const ports: (MessagePort | undefined)[][] = Array.from({ length: size }, () => new Array(size).fill(undefined));
  for (let a = 0; a < size; a++) {
    for (let b = a + 1; b < size; b++) {
      const { port1, port2 } = new MessageChannel();
      ports[a]![b] = port1;
      ports[b]![a] = port2;
    }
  }
  return ports;
}

/**
 * Channels from each of `ranks` (just placed) to every rank placed before it and not recycled: the new ranks' ends
 * go into their own rows (handed over when they start); the older ranks' ends are returned by peer, with the new
 * rank's slot, to be posted to them.
 */
function channelsTo(
  ranks: readonly number[], slots: SlotTable, ports: ((MessagePort | undefined)[] | undefined)[],
): Map<number, NewPorts["ports"][number][]> {
  const forOlder = new Map<number, NewPorts["ports"][number][]>();
  const placed = slots.placed();
  for (const rank of ranks) {
    const row = (ports[rank] ??= []);
    const slot = slots.slot(rank)!;
    for (const [peer] of placed) {
      if (peer >= rank) continue;
      const { port1, port2 } = new MessageChannel();
      row[peer] = port2;
      if (ranks.includes(peer)) (ports[peer] ??= [])[rank] = port1;
      else forOlder.set(peer, [...(forOlder.get(peer) ?? []), [rank, port1, slot]]);
    }
  }
  return forOlder;
}

function formatError(error: unknown): string {
  if (error instanceof Error) return error.stack !== undefined ? userStack(error.stack) : `${error.name}: ${error.message}`;
  return `uncaught value: ${String(error)}`;
}
