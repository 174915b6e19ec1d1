/**
 * node:worker_threads in a browser rank. The local engine reaches for receiveMessageOnPort only on paths a
 * browser job never takes (its large messages go through pipes, its ranks cannot Spawn), and the self engine
 * starts a Worker only to Spawn; reaching either is a bug.
 */
import { MPIError } from "../../errors.js";

export function receiveMessageOnPort(_port: unknown): never {
  throw new MPIError("ERR_INTERN", "receiveMessageOnPort does not exist in a browser");
}

export class Worker {
  constructor() {
    throw new MPIError("ERR_INTERN", "node:worker_threads' Worker does not exist in a browser");
  }
}
