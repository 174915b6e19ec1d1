/**
 * The turn a root can still take in a Gather or Reduce after refusing its own root-only buffer arguments
 * (Collectives.refuse): the same call into scratch memory. The senders of a Gather or Reduce need nothing from
 * the root, so they complete as usual and their parts are dropped, where an engine cannot tell them of the
 * refusal (MPI) or a request cannot (a nonblocking call's schedule), and none is left for a later call to take.
 */
import type { Collectives, EngineRequest, RefusedRoot } from "../engine/engine.js";
import { Kind } from "./transport.js";

/** The same call as the others', blocking or started as a request (MPI matches the two forms separately). */
export interface ScratchTurn {
  blocking(): void;
  nonblocking(): EngineRequest;
}

/**
 * The scratch turn of `refusal`, or undefined where the root has too little to take one: a Gather root with
 * IN_PLACE (its block size is in the recvbuf it refused), a Gatherv root (the counts are what it refused), a
 * Reduce root with IN_PLACE or an invalid op. Its own part is a copy: its caller may change its buffers once the
 * call has raised.
 */
export function scratchTurn(k: Pick<Collectives, "gatherv" | "igatherv" | "reduce" | "ireduce">, refusal: RefusedRoot): ScratchTurn | undefined {
  const { kind, root, gather, operand } = refusal;
  if (kind === Kind.Gather && gather) {
    const { counts, displs } = gather, send = gather.send.slice();
    const scratch = new Uint8Array(send.length * counts.length);
    return {
      blocking: () => k.gatherv(send, scratch, counts, displs, root),
      nonblocking: () => k.igatherv(send, scratch, counts, displs, root),
    };
  }
  if (kind === Kind.Reduce && operand) {
    const send = operand.send.slice(), scratch = operand.send.slice(), op = operand.op;
    return {
      blocking: () => k.reduce(send, scratch, op, root),
      nonblocking: () => k.ireduce(send, scratch, op, root),
    };
  }
  return undefined;
}
