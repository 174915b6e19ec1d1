/**
 * What a rank says once when its program has ended (its event loop is empty and no request is being awaited):
 * requests it never completed (request.ts) and messages sent to it that it never received (Engine.unreceived).
 * MPI requires both to be settled before a process finalizes; a forgotten receive or wait is a common bug that
 * MPI itself passes over in silence.
 */
import type { Engine } from "./engine/engine.js";

/** Requests being awaited: while any is, an empty event loop is not the end (the local engine blocks for them). */
export const ending = { awaiting: 0 };

const checks: (() => string | undefined)[] = [];
let armed = false;
let said = false;

/** Adds a check that runs when the program ends; what it returns is printed as one warning line. */
export function warnAtEnd(check: () => string | undefined): void {
  checks.push(check);
  if (armed) return;
  armed = true;
  process.on("beforeExit", () => {
    if (said || ending.awaiting > 0) return;
    said = true;
    for (const run of checks) {
      const warning = run();
      if (warning) process.stderr.write(`mpi4ts: warning: ${warning}\n`);
    }
  });
}

/** How many of the messages a warning names; the rest are counted. */
const NAMED = 8;

/** The warning for messages sent to this rank and never received, or undefined when there are none. */
export function unreceivedWarning(engine: Engine): string | undefined {
  const left = engine.unreceived?.() ?? [];
  if (left.length === 0) return undefined;
  const user = left.filter((m) => !m.collective), collective = left.filter((m) => m.collective);
  const parts: string[] = [];
  if (user.length > 0) {
    const named = user.slice(0, NAMED).map((m) => `from rank ${m.source} tag ${m.tag} (${m.bytes} bytes) on ${m.communicator}`);
    parts.push(`${user.length} message${user.length === 1 ? "" : "s"} never received (MPI requires a matching receive for each): ` +
      `${named.join("; ")}${user.length > NAMED ? `; and ${user.length - NAMED} more` : ""}`);
  }
  if (collective.length > 0) {
    const from = [...new Set(collective.map((m) => `rank ${m.source} on ${m.communicator}`))].slice(0, NAMED);
    parts.push(`${collective.length} message${collective.length === 1 ? "" : "s"} of collectives never received, from ${from.join(", ")}: ` +
      "a collective that only some ranks called (or called in another order)");
  }
  return `rank ${engine.world.rank} ends with ${parts.join(", and ")}`;
}
