/**
 * Dynamic processes (MPI-4.0 chapter 11): `comm.Spawn(...)` starts new processes and connects them to `comm`'s
 * group by an intercommunicator; in the new processes, `Comm.Get_parent()` is the same intercommunicator seen
 * from the other side. A command that names a program file (`worker.ts`, `worker.js`) runs as mpi4ts runs
 * programs (`mpi4ts exec`, TypeScript compiled); any other command (`python3`, a C program) runs as it is.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { type Comm, COMM_NULL } from "./comm.js";
import { describe } from "./datatype.js";
import type { SpawnOrder } from "./engine/engine.js";
import { currentEngine } from "./engine/select.js";
import { MPIError } from "./errors.js";
import { hooks } from "./collective/hooks.js";
import { Info } from "./info.js";
import { type Intercomm, intercommOverLink } from "./intercomm.js";

/** Program files mpi4ts runs itself (the engine knows how: a thread of the job, or `mpi4ts exec` under MPI). */
const PROGRAM_FILE = /\.(?:[cm]?[jt]s|tsx)$/;

/** The root's arguments checked, or why they are refused. */
function spawnOrder(command: unknown, args: unknown, maxprocs: unknown, info: unknown): SpawnOrder | string {
  if (typeof command !== "string" || command === "") return `command must be a non-empty string (a program file or an executable), got ${describe(command)}`;
  if (args !== undefined && args !== null && !(Array.isArray(args) && args.every((a) => typeof a === "string"))) {
    return `args must be an array of strings (or undefined), got ${describe(args)}`;
  }
  if (!Number.isInteger(maxprocs) || (maxprocs as number) < 1 || (maxprocs as number) > 2 ** 31 - 1) {
    return `maxprocs must be a positive integer, got ${typeof maxprocs === "number" ? maxprocs : describe(maxprocs)}`;
  }
  if (info !== undefined && info !== null && !(info instanceof Info)) return `info must be an MPI.Info (or INFO_NULL), got ${describe(info)}`;
  const hints = info instanceof Info && !info.isNull ? info.items() : [];
  const words = (args ?? []) as string[];
  const order = { command, args: words, maxprocs: maxprocs as number, info: hints };
  if (!PROGRAM_FILE.test(command)) return order;
  const program = resolve(command);
  if (!existsSync(program)) return `command ${command} names a program file that does not exist (looked for ${program})`;
  return { ...order, program };
}

/**
 * MPI_Comm_spawn, collective over `comm`: `command`, `args`, `maxprocs` and `info` matter at `root` only, as in
 * MPI. `errcodes`, when given, is filled with one code per process asked for (0: started).
 */
export function spawn(comm: Comm, command: unknown, args: unknown, maxprocs: unknown, info: unknown, root: unknown, errcodes: unknown): Intercomm {
  return startProcesses(comm, "Spawn", root, errcodes, () => {
    const order = spawnOrder(command, args, maxprocs, info);
    return typeof order === "string" ? order : [order];
  });
}

/**
 * MPI_Comm_spawn_multiple: `commands[i]` with `args[i]` as `maxprocs[i]` processes (all of them one world, its
 * ranks in command order; each knows its command's index as APPNUM). `info`: one Info for all, or one each.
 */
export function spawnMultiple(comm: Comm, commands: unknown, args: unknown, maxprocs: unknown, info: unknown, root: unknown, errcodes: unknown): Intercomm {
  return startProcesses(comm, "Spawn_multiple", root, errcodes, () => {
    if (!Array.isArray(commands) || commands.length === 0) return `commands must be a non-empty array, got ${describe(commands)}`;
    const n = commands.length;
    const each = (value: unknown, name: string, fallback: unknown): unknown[] | string => {
      if (value === undefined || value === null) return new Array<unknown>(n).fill(fallback);
      if (!Array.isArray(value) || value.length !== n) return `${name} must be an array of ${n} (one per command), got ${describe(value)}`;
      return value;
    };
    const argsEach = each(args, "args", undefined);
    const countsEach = each(maxprocs, "maxprocs", 1);
    const infosEach = info instanceof Info || info === undefined || info === null ? new Array<unknown>(n).fill(info) : each(info, "info", undefined);
    for (const list of [argsEach, countsEach, infosEach]) if (typeof list === "string") return list;
    const orders: SpawnOrder[] = [];
    for (let i = 0; i < n; i++) {
      const order = spawnOrder(commands[i], (argsEach as unknown[])[i], (countsEach as unknown[])[i], (infosEach as unknown[])[i]);
      if (typeof order === "string") return `command ${i}: ${order}`;
      orders.push(order);
    }
    return orders;
  });
}

/**
 * Both spawns. Every rank learns of a refusal (a bad root on any rank, the root's bad arguments) before MPI is
 * asked, so all of them throw together instead of some waiting in MPI_Comm_spawn.
 */
function startProcesses(comm: Comm, call: string, root: unknown, errcodes: unknown, rootOrders: () => SpawnOrder[] | string): Intercomm {
  const c = comm.engineComm(call);
  const engine = currentEngine();
  const dynamic = engine.dynamic;
  if (!dynamic) {
    // Only a web page's job has no launcher to start ranks (a plain node program's self engine starts one).
    throw new MPIError("ERR_SPAWN", `${comm.where(call)}: a program run in a web page cannot start processes yet; run it with \`npx mpi4ts run -n 1\` (or on the mpi engine)`);
  }
  const rootOk = Number.isInteger(root) && (root as number) >= 0 && (root as number) < c.size;
  const errcodesOk = errcodes === undefined || errcodes === null || Array.isArray(errcodes);
  const orders = rootOk && c.rank === root ? rootOrders() : undefined;
  const refusal = !rootOk ? `root ${String(root)} is not a rank of the communicator (0..${c.size - 1})`
    : !errcodesOk ? `errcodes must be an array to fill (or undefined), got ${describe(errcodes)}`
    : typeof orders === "string" ? orders : undefined;
  // One agreement over comm: each rank's root, and any refusal, so every rank takes the same path.
  interface Vote { root: unknown; badRoot: boolean; refusal?: string; maxprocs?: number[] }
  const mine: Vote = {
    root: rootOk ? root : null,
    badRoot: !rootOk,
    ...(refusal === undefined ? {} : { refusal }),
    ...(Array.isArray(orders) ? { maxprocs: orders.map((o) => o.maxprocs) } : {}),
  };
  const votes = c.size === 1 ? [mine] : comm.allgather(mine) as Vote[];
  const refusals = votes.flatMap((v, r) => (v.refusal === undefined ? [] : [`rank ${r}: ${v.refusal}`]));
  const rootsDiffer = votes.some((v) => v.root !== votes[0]!.root);
  if (rootsDiffer && refusals.length === 0) refusals.push(`the ranks passed different roots (${votes.map((v) => String(v.root)).join(", ")})`);
  if (refusals.length > 0) {
    throw new MPIError(rootsDiffer || votes.some((v) => v.badRoot) ? "ERR_ROOT" : "ERR_ARG", `${comm.where(call)}: ${refusals.join("; ")}; no process was started`);
  }
  const localDup = c.dup();
  let spawned;
  try {
    // Every rank gets one error code per process asked for, so each passes the root's counts.
    spawned = dynamic.spawn(c, root as number, votes[root as number]!.maxprocs!, Array.isArray(orders) ? orders : undefined);
  } catch (e) {
    localDup.free();
    throw e;
  }
  if (Array.isArray(errcodes)) errcodes.splice(0, errcodes.length, ...spawned.errcodes);
  return intercommOverLink(spawned.inter, localDup, true, `${comm.name}_spawn`);
}

/** MPI_Comm_get_parent: the intercommunicator to the processes that spawned this one, or COMM_NULL (local). */
let parent: Intercomm | undefined;
export function getParent(): Intercomm {
  // After Disconnect there is no parent any more, as in MPI.
  if (parent) return parent.isNull ? COMM_NULL as unknown as Intercomm : parent;
  const engine = currentEngine();
  const inter = engine.dynamic?.parent();
  // mpi4py's Get_parent is typed Intercomm and gives COMM_NULL when there is no parent: so is this.
  if (!inter) return COMM_NULL as unknown as Intercomm;
  // The children's own group as a communicator is made when the first intercommunicator collective needs it:
  // making it is collective over the children, and Get_parent is not.
  parent = intercommOverLink(inter, () => engine.world.dup(), false, "MPI_COMM_PARENT");
  return parent;
}

hooks.spawn = spawn;
hooks.spawnMultiple = spawnMultiple;
hooks.getParent = getParent;
