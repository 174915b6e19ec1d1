/**
 * Spawn on the local engine: spawned ranks are new threads of the same job, in the inbox slots the job keeps
 * for them (layout.ts), started by the launcher (world.ts) at the spawning root's request (control.ts). Their
 * COMM_WORLD is their own group; the intercommunicator between them and their parents is a pair of channels on
 * one job-wide context whose ranks are the remote group's: a rank of either group can only address the other.
 */
import {
  BUFFER, STANDARD,
  type DynamicProcesses, type EngineComm, type EngineIntercomm, type EngineRequest, type Envelope, type MatchedMessage,
  type PayloadKind, type SendMode, type Sink, type SpawnOrder,
} from "../engine/engine.js";
import { MPIError } from "../errors.js";
import type { LauncherLink, SpawnedWorld } from "./control.js";
import { Channel, LocalComm, type LocalEngine } from "./engine.js";
import { Schedule, runBlocking, type Algorithm } from "../collective/transport.js";

/** Tags on an intercommunicator's internal channel and on the spawning communicator's, for these protocols only. */
const TAG_SPAWNED = 0x7ffffff8;
const TAG_BASE = 0x7ffffff9;

const jsonBytes = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
const fromJsonBytes = <T>(bytes: Uint8Array): T => JSON.parse(new TextDecoder().decode(bytes)) as T;

function sendJson(channel: Channel, value: unknown, dest: number, tag: number): void {
  channel.send(jsonBytes(value), BUFFER, dest, tag, STANDARD);
}

function recvJson<T>(channel: Channel, source: number, tag: number): T {
  let bytes: Uint8Array | undefined;
  channel.recv((envelope, received) => (bytes = received ?? new Uint8Array(envelope.byteLength)), source, tag);
  return fromJsonBytes<T>(bytes!);
}

/** One side of a spawn's intercommunicator (or of a duplicate of it). */
export class LocalIntercomm implements EngineIntercomm {
  readonly #wire: Channel;
  readonly internal: Channel;

  /** `spawning`: this side is the parents' (whose rank 0 hands out contexts for Dup and Merge). */
  constructor(
    private readonly engine: LocalEngine, base: number, readonly rank: number,
    readonly worldRanks: readonly number[], readonly remoteWorldRanks: readonly number[], private readonly spawning: boolean,
  ) {
    this.#wire = new Channel(engine, base, rank, remoteWorldRanks);
    this.internal = new Channel(engine, base + 1, rank, remoteWorldRanks);
  }

  get size(): number { return this.worldRanks.length; }

  send(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): void { this.#wire.send(data, kind, dest, tag, mode); }
  isend(data: Uint8Array, kind: PayloadKind, dest: number, tag: number, mode: SendMode): EngineRequest { return this.#wire.isend(data, kind, dest, tag, mode); }
  recv(sink: Sink, source: number, tag: number): Envelope { return this.#wire.recv(sink, source, tag); }
  irecv(sink: Sink, source: number, tag: number): EngineRequest { return this.#wire.irecv(sink, source, tag); }
  probe(source: number, tag: number): Envelope { return this.#wire.probe(source, tag); }
  iprobe(source: number, tag: number): Envelope | undefined { return this.#wire.iprobe(source, tag); }
  mprobe(source: number, tag: number): MatchedMessage { return this.#wire.mprobe(source, tag); }
  improbe(source: number, tag: number): MatchedMessage | undefined { return this.#wire.improbe(source, tag); }

  /**
   * A context for a new communicator over both groups (collective over both), in steps: the parents' rank 0 takes
   * a job-wide one and sends it to every child, and the children's rank 0 passes it on to the other parents.
   */
  *#newBase(): Algorithm<number> {
    const remote = this.remoteWorldRanks.length;
    const sendBase = (base: number, dest: number) => this.internal.isend(jsonBytes(base), BUFFER, dest, TAG_BASE, STANDARD);
    if (this.spawning && this.rank === 0) {
      const base = this.engine.jobWideBase();
      yield Array.from({ length: remote }, (_, c) => sendBase(base, c));
      return base;
    }
    let bytes: Uint8Array = new Uint8Array(0);
    yield [this.internal.irecv((envelope, received) => (bytes = received ?? new Uint8Array(envelope.byteLength)), 0, TAG_BASE)];
    const base = fromJsonBytes<number>(bytes);
    if (!this.spawning && this.rank === 0) yield Array.from({ length: remote - 1 }, (_, p) => sendBase(base, p + 1));
    return base;
  }

  #withBase(base: number): LocalIntercomm {
    return new LocalIntercomm(this.engine, base, this.rank, this.worldRanks, this.remoteWorldRanks, this.spawning);
  }

  dup(): EngineIntercomm {
    return this.#withBase(runBlocking(this.#newBase()));
  }

  idup(): { request: EngineRequest; made(): EngineIntercomm } {
    const out: { base?: number } = {};
    const steps = this.#newBase();
    const request = new Schedule((function* () { out.base = yield* steps; })());
    return { request, made: () => this.#withBase(out.base!) };
  }

  merge(high: boolean): EngineComm {
    const base = runBlocking(this.#newBase());
    const order = high ? [...this.remoteWorldRanks, ...this.worldRanks] : [...this.worldRanks, ...this.remoteWorldRanks];
    return new LocalComm(this.engine, base, order.indexOf(this.engine.worldRank), order);
  }

  free(): void {}
}

/** What the root tells the rest of the spawning communicator: the new ranks and the context, or the refusal. */
interface Outcome { ranks?: number[]; base?: number; error?: string }

export class LocalDynamic implements DynamicProcesses {
  #parent: LocalIntercomm | undefined;

  constructor(private readonly engine: LocalEngine, private readonly launcher: LauncherLink, private readonly spawned?: SpawnedWorld) {}

  spawn(comm: EngineComm, root: number, maxprocs: readonly number[], orders: readonly SpawnOrder[] | undefined): { inter: EngineIntercomm; errcodes: number[] } {
    if (!(comm instanceof LocalComm)) throw new MPIError("ERR_COMM", "Spawn: not a communicator of the local engine");
    let outcome: Outcome;
    if (comm.rank === root) {
      outcome = this.#start(comm, orders!);
      for (let r = 0; r < comm.size; r++) if (r !== root) sendJson(comm.internal, outcome, r, TAG_SPAWNED);
    } else {
      outcome = recvJson<Outcome>(comm.internal, root, TAG_SPAWNED);
    }
    if (outcome.error !== undefined) throw new MPIError("ERR_SPAWN", outcome.error);
    const inter = new LocalIntercomm(this.engine, outcome.base!, comm.rank, comm.worldRanks, outcome.ranks!, true);
    return { inter, errcodes: new Array<number>(maxprocs.reduce((a, b) => a + b, 0)).fill(0) };
  }

  /** The root's part: asks the launcher for the ranks and waits (running, not blocked) until they are started. */
  #start(comm: LocalComm, orders: readonly SpawnOrder[]): Outcome {
    const programs = [];
    for (const order of orders) {
      if (order.program === undefined) {
        return { error: `the local engine starts mpi4ts programs (a .ts or .js file) as new ranks, not ${order.command}; to spawn other programs, use the mpi engine (npx mpi4ts run --engine mpi)` };
      }
      programs.push({ program: order.program, args: order.args, maxprocs: order.maxprocs });
    }
    const base = this.engine.jobWideBase();
    const id = this.launcher.requestSpawn({ programs, parents: comm.worldRanks, base });
    let reply: ReturnType<LauncherLink["reply"]>;
    this.engine.waitForLauncher(() => (reply = this.launcher.reply(id)) !== undefined);
    return reply!.error !== undefined ? { error: reply!.error } : { ranks: [...reply!.ranks!], base };
  }

  parent(): EngineIntercomm | undefined {
    if (!this.spawned) return undefined;
    const { parents, base, world } = this.spawned;
    return (this.#parent ??= new LocalIntercomm(this.engine, base, world.indexOf(this.engine.worldRank), world, parents, false));
  }
}
