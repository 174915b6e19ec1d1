/**
 * What a local job's launcher watches in its ranks' control words, on Node (world.ts) and in a browser
 * (src/browser/launcher.ts): the deadlock watch, the report of what each rank is blocked in, and, once every rank
 * has ended well, whether they all called the same collectives on COMM_WORLD.
 */
import { ANY_SOURCE, ANY_TAG } from "../constants.js";
import { describeKind } from "../collective/transport.js";
import { publishedRounds } from "./arena.js";
import {
  BLOCKED, BLOCKING_CALLS, DOORBELL, FINISHED, HEAD, STATE, STATE_CALL, STATE_CONTEXT, STATE_PEER, STATE_TAG, STATE_VIA, TAIL, WAIT_CALLS,
  type InboxView, type JobLayout,
} from "./layout.js";

const DEADLOCK_POLL_MS = 400;

interface Snapshot { states: number[]; bells: number[]; empty: boolean }

/** `inboxes` by job rank; ranks that left the job (their slots recycled) are holes, skipped here and below. */
function snapshot(inboxes: readonly InboxView[]): Snapshot {
  const states: number[] = [];
  const bells: number[] = [];
  let empty = true;
  inboxes.forEach(({ control }, rank) => {
    states[4 * rank] = Atomics.load(control, STATE);
    states[4 * rank + 1] = control[STATE_CALL]!;
    states[4 * rank + 2] = control[STATE_PEER]!;
    states[4 * rank + 3] = control[STATE_TAG]!;
    bells[rank] = Atomics.load(control, DOORBELL);
    if (Atomics.load(control, HEAD) !== Atomics.load(control, TAIL)) empty = false;
  });
  return { states, bells, empty };
}

/**
 * Every live rank blocked, every inbox empty, and nothing rang a doorbell between two looks: no rank can ever be
 * woken again, since only a message wakes a blocked rank.
 */
export function watchForDeadlock(inboxes: readonly InboxView[], report: (message: string) => void, names?: CommunicatorNames): ReturnType<typeof setInterval> {
  let previous: Snapshot | undefined;
  const timer = setInterval(() => {
    const now = snapshot(inboxes);
    const stuck = (s: Snapshot) =>
      s.empty && inboxes.every((_, r) => s.states[4 * r] === BLOCKED || s.states[4 * r] === FINISHED) &&
      inboxes.some((_, r) => s.states[4 * r] === BLOCKED);
    if (previous && stuck(previous) && stuck(now) &&
        previous.states.every((v, i) => v === now.states[i]) && previous.bells.every((v, i) => v === now.bells[i])) {
      clearInterval(timer);
      report(`mpi4ts: deadlock: every rank is blocked and no message is in flight (MPI.ERR_DEADLOCK)${describeBlocked(inboxes, names)}`);
      return;
    }
    previous = now;
  }, DEADLOCK_POLL_MS);
  // (a browser's timers are numbers, and keep nothing alive)
  if (typeof timer === "object") timer.unref();
  return timer;
}

/** The names the ranks gave their communicators (CommunicatorName), by job rank and context id. */
export class CommunicatorNames {
  readonly #byRank = new Map<number, Map<number, string>>();

  note(rank: number, id: number, name: string): void {
    let names = this.#byRank.get(rank);
    if (!names) this.#byRank.set(rank, (names = new Map()));
    names.set(id, name);
  }

  /** How a report names rank `rank`'s communicator `id`: by its name where the rank gave one. */
  describe(rank: number, id: number): string {
    const name = this.#byRank.get(rank)?.get(id);
    return name ? `${name} (communicator #${id})` : `communicator #${id}`;
  }
}

export function describeBlocked(inboxes: readonly InboxView[], names?: CommunicatorNames): string {
  const lines: string[] = [];
  inboxes.forEach(({ control }, rank) => {
    const state = Atomics.load(control, STATE);
    if (state === FINISHED) lines.push(`  rank ${rank}: finished`);
    else if (state !== BLOCKED) lines.push(`  rank ${rank}: running`);
    else {
      const call = BLOCKING_CALLS[control[STATE_CALL]!] ?? "wait";
      const peer = control[STATE_PEER]!;
      const tag = control[STATE_TAG]!;
      const context = control[STATE_CONTEXT]!;
      const space = context < 0 ? "" : context <= 1 ? " on MPI_COMM_WORLD" : context <= 3 ? " on MPI_COMM_SELF"
        : ` on ${names?.describe(rank, context >> 1) ?? `communicator #${context >> 1}`}`;
      if (call === "collective") {
        const awaited = peer >= 0 ? `its rank ${peer}` : "every rank";
        lines.push(`  rank ${rank}: blocked in a collective${space}, waiting for ${awaited} to join`);
        return;
      }
      // A wait over requests (waitall, await...) names the first request it still waits for, if it can.
      const via = WAIT_CALLS[control[STATE_VIA]!] ?? "";
      const waiting = via === "" ? "blocked in" : via === "await" ? "awaiting" : `blocked in Request.${via}, waiting for`;
      if (call === "") {
        lines.push(`  rank ${rank}: ${via === "await" ? "awaiting MPI requests" : `blocked in Request.${via}`}`);
        return;
      }
      const who = call === "ssend" || call === "issend" || call.startsWith("send") ? `dest=rank ${peer} of the job`
        : `source=${peer === ANY_SOURCE ? "ANY_SOURCE" : peer}`;
      const internal = context >= 0 && context % 2 === 1 ? " (inside a collective)" : "";
      lines.push(`  rank ${rank}: ${waiting} ${call}(${who}, tag=${tag === ANY_TAG ? "ANY_TAG" : tag})${space}${internal}`);
    }
  });
  return `\n${lines.join("\n")}`;
}

/**
 * After every rank of the job's first COMM_WORLD has ended without error: the warning when they did not call the
 * same number of blocking collectives on it, else undefined. A collective whose root or senders do not wait (bcast
 * at its root, gather at the others, inside `if (rank === 0)`) lets a wrong program end as if it were right;
 * COMM_WORLD's shared area (arena.ts) still shows how many each rank called. Jobs without one (1 rank, more
 * than SHARED_MAX_RANKS) are not checked.
 */
export function unmatchedCollectives(sab: SharedArrayBuffer, layout: JobLayout): string | undefined {
  if (layout.arenaOffset < 0) return undefined;
  const members = publishedRounds(sab, layout.arenaOffset, layout.size);
  const byCount = new Map<number, number[]>();
  members.forEach(({ rounds }, rank) => byCount.set(rounds, [...(byCount.get(rounds) ?? []), rank]));
  if (byCount.size < 2) return undefined;
  const groups = [...byCount].sort(([a], [b]) => b - a).map(([rounds, ranks]) => {
    const last = members[ranks[0]!]!.last;
    const lastOfAll = last && ranks.every((r) => { const l = members[r]!.last!; return l.kind === last.kind && l.root === last.root; });
    const called = rounds === 0 ? "none" : `${rounds}${lastOfAll ? ` (the last: ${describeKind(last.kind, last.root)})` : ""}`;
    return `${ranksText(ranks)} called ${called}`;
  });
  return `the ranks did not all call the same collectives on MPI_COMM_WORLD: ${groups.join("; ")}. ` +
    "Every rank must call every collective of a communicator, in the same order; one inside `if (rank === ...)` is the usual cause";
}

/** "rank 3", "ranks 0, 2", "ranks 1-5" (ranks in ascending order). */
export function ranksText(ranks: readonly number[]): string {
  if (ranks.length === 1) return `rank ${ranks[0]}`;
  const runs: string[] = [];
  for (let i = 0; i < ranks.length;) {
    let j = i;
    while (j + 1 < ranks.length && ranks[j + 1] === ranks[j]! + 1) j++;
    runs.push(j - i >= 2 ? `${ranks[i]}-${ranks[j]}` : j > i ? `${ranks[i]}, ${ranks[j]}` : `${ranks[i]}`);
    i = j + 1;
  }
  return `ranks ${runs.join(", ")}`;
}
