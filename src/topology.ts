/**
 * Communicator constructors and topology queries that need no topology class: Split_type (one communicator per
 * shared-memory node), Create_group, Cart_map / Graph_map, the checks of a graph's description, and how the ranks
 * of a topology constructor agree that every one of them accepted its arguments.
 */
import { UNDEFINED } from "./constants.js";
import { COMM_NULL, Comm } from "./comm.js";
import { type Group, subgroupRefusal } from "./group.js";
import { EngineOperation, Request } from "./request.js";
import { copyAttributes } from "./attributes.js";
import { inheritErrhandler } from "./errhandler.js";
import type { EngineComm, PendingComm } from "./engine/engine.js";
import { MPIError } from "./errors.js";
import { describe } from "./datatype.js";
import { infoRefusal, type Info } from "./info.js";
import { currentEngine } from "./engine/select.js";

/** Split_type's kind: the processes that share memory (one host). */
export const COMM_TYPE_SHARED = 1;

/**
 * Split_type(COMM_TYPE_SHARED): ranks on the same node, ordered by key then rank: MPI_Comm_split_type where the
 * engine has it (mpi), else by processor name (the local engine's ranks all share one host). A rank whose
 * arguments are refused takes part as UNDEFINED, as in Split, so the others' call completes; then it throws.
 */
export function splitType(comm: Comm, splitType: unknown, key: number, info: Info | undefined): Comm {
  const call = "Split_type";
  const c = comm.engineComm(call);
  let refusal: string | undefined;
  if (splitType !== COMM_TYPE_SHARED && splitType !== UNDEFINED) refusal = `split_type ${String(splitType)} must be MPI.COMM_TYPE_SHARED or MPI.UNDEFINED`;
  if (!isInt32(key)) refusal ??= `key ${String(key)} must be an integer in -2**31..2**31-1`;
  refusal ??= infoRefusal(info);
  const taking = refusal === undefined && splitType === COMM_TYPE_SHARED;
  let shared: Comm;
  if (c.splitShared) {
    let sub;
    try {
      sub = c.splitShared(taking, refusal === undefined ? key : 0);
    } catch (e) {
      throw comm.engineError(call, e);
    }
    shared = sub ? new Comm(sub, `${comm.name}_split_type`) : COMM_NULL;
  } else {
    const hosts = comm.allgather(taking ? currentEngine().processorName() : null);
    shared = comm.Split(taking ? hosts.indexOf(hosts[comm.rank]!) : UNDEFINED, refusal === undefined ? key : 0);
  }
  if (refusal !== undefined) throw new MPIError("ERR_ARG", `${comm.where(call)}: ${refusal}; this rank took part as UNDEFINED`);
  return shared;
}

function isInt32(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= -(2 ** 31) && (x as number) < 2 ** 31;
}

/**
 * Dup_with_info: the info is checked and otherwise ignored. A rank that refuses it still takes part in the Dup (the
 * others would wait for it otherwise), then frees its copy and throws.
 */
export function dupWithInfo<C extends Comm>(comm: C, call: string, info: unknown): C {
  const refusal = infoRefusal(info);
  const dup = comm.Dup();
  if (refusal !== undefined) {
    dup.Free();
    throw new MPIError("ERR_ARG", `${comm.where(call)}: ${refusal}; this rank took part and freed its duplicate`);
  }
  return dup;
}

/**
 * Idup (MPI_Comm_idup): returns at once; the duplicate refuses every use (ERR_COMM) until the request completes,
 * when it gets its engine communicator and the attributes are copied. A rank that refuses the info still takes
 * part, as in Dup_with_info: it waits for its duplicate, frees it and throws.
 */
export function idup<C extends Comm>(comm: C, info: unknown): [C, Request<void>] {
  const call = "Idup";
  const refusal = infoRefusal(info);
  let pending: PendingComm;
  try {
    pending = comm.engineComm(call).idup();
  } catch (e) {
    throw comm.engineError(call, e);
  }
  let made: EngineComm | undefined;
  const name = `${comm.name}_dup`;
  const dup = comm.withEngine((use) => {
    if (made) return made;
    throw new MPIError("ERR_COMM", `${use}: ${name} is not usable until its Idup request completes (wait or test it first)`);
  }, name);
  const request = new Request<void>(new EngineOperation(pending.request, () => {
    made = pending.made();
    copyAttributes(comm, dup);
  }), () => `Idup on ${comm.Get_name()}`);
  inheritErrhandler(comm, dup);
  if (refusal !== undefined) {
    request.Wait();
    dup.Free();
    throw new MPIError("ERR_ARG", `${comm.where(call)}: ${refusal}; this rank took part and freed its duplicate`);
  }
  return [dup, request];
}

/**
 * Create_group(group, tag): a communicator of `group`'s members, collective over them only (the other ranks do
 * not call it). Every member checks the same arguments; a rank outside the group calling it is ERR_GROUP.
 */
export function createGroup(comm: Comm, group: unknown, tag: unknown): Comm {
  const call = "Create_group";
  const c = comm.engineComm(call);
  const refusal = subgroupRefusal(group, c.worldRanks, "this communicator");
  if (refusal !== undefined) throw new MPIError("ERR_GROUP", `${comm.where(call)}: ${refusal}`);
  const ranks = (group as Group).worldRanks;
  if (!ranks.includes(c.worldRanks[c.rank]!)) {
    throw new MPIError("ERR_GROUP", `${comm.where(call)}: this rank is not in the group; only the group's members call Create_group`);
  }
  const t = comm.checkTag(call, tag, false);
  try {
    return new Comm(c.createGroup(ranks, t), `${comm.name}_create_group`);
  } catch (e) {
    throw comm.engineError(call, e);
  }
}

/** What is wrong with a Cartesian grid's `dims`/`periods` for a communicator of `size` ranks, or undefined. */
export function gridRefusal(size: number, dims: unknown, periods: unknown): string | undefined {
  if (!Array.isArray(dims) || !dims.every((n) => Number.isInteger(n) && n > 0)) {
    return `dims must be an array of positive integers, got ${describe(dims)}${Array.isArray(dims) ? ` [${dims.map((n) => String(n)).join(", ")}]` : ""}`;
  }
  if (periods !== undefined && periods !== null && (!Array.isArray(periods) || periods.length !== dims.length)) {
    return `periods must have one entry per dimension (${dims.length}), got ${describe(periods)}`;
  }
  const nodes = gridNodes(dims);
  return nodes > size ? `the grid [${dims.join(", ")}] needs ${nodes} ranks but the communicator has ${size}` : undefined;
}

export function gridNodes(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** mpi4ts keeps rank order (on one machine no placement is better): rank r is node r of the grid, if there is one. */
export function cartMap(comm: Comm, dims: readonly number[], periods: readonly (boolean | number)[] | undefined): number {
  const refusal = gridRefusal(comm.engineComm("Cart_map").size, dims, periods);
  if (refusal) throw new MPIError("ERR_DIMS", `${comm.where("Cart_map")}: ${refusal}`);
  return comm.rank < gridNodes(dims) ? comm.rank : UNDEFINED;
}

export function graphMap(comm: Comm, index: readonly number[], edges: readonly number[]): number {
  const refusal = graphRefusal(comm.engineComm("Graph_map").size, index, edges);
  if (refusal) throw new MPIError("ERR_TOPOLOGY", `${comm.where("Graph_map")}: ${refusal}`);
  return comm.rank < index.length ? comm.rank : UNDEFINED;
}

/**
 * What is wrong with MPI_Graph_create's description (index: cumulative degrees of nodes 0..n-1; edges: their
 * neighbours), or undefined when nothing is.
 */
export function graphRefusal(size: number, index: unknown, edges: unknown): string | undefined {
  if (!Array.isArray(index) || !index.every((n) => Number.isInteger(n) && n >= 0)) return `index must be an array of non-negative integers, got ${describe(index)}`;
  if (!Array.isArray(edges) || !edges.every((n) => Number.isInteger(n))) return `edges must be an array of integers, got ${describe(edges)}`;
  const nnodes = index.length;
  if (nnodes > size) return `the graph has ${nnodes} nodes but the communicator has ${size} ranks`;
  for (let i = 1; i < nnodes; i++) {
    if (index[i] < index[i - 1]) return `index must not decrease: index[${i}] = ${index[i]} < index[${i - 1}] = ${index[i - 1]}`;
  }
  const nedges = nnodes ? index[nnodes - 1] as number : 0;
  if (edges.length !== nedges) return `index says ${nedges} edges (index[${nnodes - 1}]) but edges has ${edges.length}`;
  const bad = edges.findIndex((e: number) => e < 0 || e >= nnodes);
  if (bad >= 0) return `edges[${bad}] = ${edges[bad]} is not a node (0..${nnodes - 1})`;
  return undefined;
}

/**
 * After every rank of `comm` checked its own arguments: shares the verdicts (one allgather), so either every rank
 * goes on or every rank throws, the refusing one with its reason and the others naming it. A rank never waits in a
 * constructor its peers refused. `shared`, when given, is what every rank must have passed alike (the whole
 * graph, the grid): ranks that disagree fail together too, instead of building topologies that do not fit.
 */
export function agree(comm: Comm, call: string, refusal: string | undefined, errorClass: "ERR_ARG" | "ERR_TOPOLOGY" | "ERR_DIMS" | "ERR_RANK", shared?: string): void {
  if (shared !== undefined && shared.length > SHARED_TEXT) shared = `${shared.slice(0, SHARED_TEXT / 4)}… (fingerprint ${fingerprint(shared)})`;
  const verdicts = comm.allgather([refusal ?? null, refusal === undefined ? shared ?? null : null] as const);
  if (refusal !== undefined) throw new MPIError(errorClass, `${comm.where(call)}: ${refusal}`);
  const other = verdicts.findIndex((v) => v[0] !== null);
  if (other >= 0) throw new MPIError(errorClass, `${comm.where(call)}: rank ${other} refused its arguments (${verdicts[other]![0]}); no rank created the communicator`);
  const differs = verdicts.findIndex((v) => v[1] !== (shared ?? null));
  if (differs >= 0) {
    throw new MPIError(errorClass, `${comm.where(call)}: rank ${differs} passed ${verdicts[differs]![1]} where this rank passed ${shared}; every rank must pass the same`);
  }
}

/** Longer descriptions of what ranks must pass alike travel as a prefix and a fingerprint. */
const SHARED_TEXT = 256;

/** FNV-1a of a string, in hex. */
function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}
