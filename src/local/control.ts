/**
 * What a rank of a local job and its launcher tell each other besides output, over one MessagePort per rank
 * (the rank's "control" port). The rank's side is read only with receiveMessageOnPort, never through events, so
 * nothing on it is lost or delivered late while the rank's thread is busy or blocked:
 *  - rank → launcher: a Spawn request (the root of the spawning communicator asks for new ranks), and the names
 *    of its communicators, for the launcher's reports of what each rank is blocked in;
 *  - launcher → rank: the ports to ranks spawned since it started (posted before those ranks start), and the
 *    answer to its own Spawn request.
 */
import { receiveMessageOnPort, type MessagePort } from "node:worker_threads";

export interface SpawnRequest {
  readonly spawn: {
    readonly id: number;
    /** Each program file (as the user named it: the launcher resolves and compiles it), with its ranks' count. */
    readonly programs: readonly { readonly program: string; readonly args: readonly string[]; readonly maxprocs: number }[];
    /** The spawning group's job ranks, and the intercommunicator's base context (job-wide, from the root). */
    readonly parents: readonly number[];
    readonly base: number;
  };
}

export interface SpawnReply {
  readonly spawned: { readonly id: number; readonly ranks?: readonly number[]; readonly error?: string };
}

/** Ports to new ranks: [job rank, this rank's end of the channel with it, the new rank's inbox slot]. */
export interface NewPorts { readonly ports: readonly (readonly [rank: number, port: MessagePort, slot: number])[] }

/** What a spawned rank is told at its start: its COMM_WORLD, its program's index (APPNUM) and its parents. */
export interface SpawnedWorld {
  readonly world: readonly number[];
  readonly appnum: number;
  readonly parents: readonly number[];
  readonly base: number;
}

/** A communicator's name (Comm.Get_name), by the context id the rank's blocked state gives (its base / 2). */
export interface CommunicatorName { readonly name: { readonly id: number; readonly name: string } }

export type ToLauncher = SpawnRequest | CommunicatorName;
export type ToRank = SpawnReply | NewPorts;

/** The rank's end of its control port. */
export class LauncherLink {
  readonly #replies = new Map<number, SpawnReply["spawned"]>();
  #nextId = 1;

  /**
   * `meet` takes each new rank: its job rank, the port to it, and its inbox slot. `connect` starts the launcher at
   * the first request (the self engine's, src/local/in-process.ts); until then nothing reads the port.
   */
  constructor(
    private readonly port: MessagePort,
    private readonly meet: (rank: number, port: MessagePort, slot: number) => void,
    private connect?: () => void,
  ) {}

  /** Takes everything the launcher has posted so far. */
  drain(): void {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      const message = m.message as ToRank;
      if ("ports" in message) {
        for (const [rank, port, slot] of message.ports) {
          port.unref();
          this.meet(rank, port, slot);
        }
      } else {
        this.#replies.set(message.spawned.id, message.spawned);
      }
    }
  }

  /** Tells the launcher a communicator's name (nothing before a launcher that is started at first use exists). */
  name(id: number, name: string): void {
    if (!this.connect) this.port.postMessage({ name: { id, name } } satisfies ToLauncher);
  }

  /** Posts a Spawn request; `reply(id)` has the answer once the launcher sent it. */
  requestSpawn(request: Omit<SpawnRequest["spawn"], "id">): number {
    const id = this.#nextId++;
    this.connect?.();
    this.connect = undefined;
    this.port.postMessage({ spawn: { ...request, id } } satisfies ToLauncher);
    return id;
  }

  reply(id: number): SpawnReply["spawned"] | undefined {
    this.drain();
    const reply = this.#replies.get(id);
    if (reply) this.#replies.delete(id);
    return reply;
  }
}
