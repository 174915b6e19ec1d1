/**
 * Patternlet 04: deadlock. THIS PROGRAM HANGS ON PURPOSE.
 *
 * What it teaches: a blocking receive waits until a matching message arrives.
 * Here ranks are paired (0 with 1, 2 with 3, ...) and *both* partners call
 * `recv` first, planning to `send` afterwards. Each waits for a message the
 * other will only send after its own receive returns, so neither ever
 * returns: a deadlock. MPI cannot "notice" and fix this; the program just
 * stops making progress.
 *
 * That is why its command carries a time limit: `--timeout 5` ends the job
 * after 5 seconds, reports where every rank is blocked, and exits with a
 * non-zero code. Without it you would have to press Ctrl-C. (The built-in
 * engine is kinder than a cluster: when every rank is blocked and no message
 * is in flight, it ends the job at once with MPI.ERR_DEADLOCK. Under the mpi
 * engine on a cluster nothing notices, and only the time limit, yours or the
 * batch system's, ends the job; the report then shows the receive each rank
 * is stuck in.)
 *
 * Run:
 *   npx mpi4ts run -n 4 --timeout 5 examples/patternlets/04-deadlock.ts
 *
 * See it (each rank's last receive never returns: no arrow ends in it; examples/README.md, "Reading a timeline"):
 *   npx mpi4ts run -n 4 --timeout 5 --trace deadlock.json examples/patternlets/04-deadlock.ts; npx mpi4ts view deadlock.json --open
 *
 * Try:
 *   - Add --no-deadlock-check to see what a cluster does: the job just hangs
 *     until the 5-second timeout ends it.
 *   - Read patternlet 05, which fixes it by ordering the calls: even ranks send
 *     first, odd ranks receive first.
 *   - Swap the two calls below so both send first. It may now seem to work,
 *     because small messages are buffered, but MPI does not promise that; with
 *     large buffers (`Send` of a big Float64Array) it deadlocks again.
 *     `ssend` never buffers: with it, "both send first" always deadlocks.
 *   - Run with an odd number of ranks: the program refuses, since the last
 *     rank would have no partner.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

if (size % 2 !== 0) {
  if (rank === 0) console.error("Please run with an even number of ranks (2, 4, ...).");
  process.exit(1);
}

// My partner: 0<->1, 2<->3, ... (even ranks pair up, odd ranks pair down).
const partner = rank % 2 === 0 ? rank + 1 : rank - 1;

console.log(`Process ${rank}: waiting for a message from ${partner} before sending mine...`);

// Both partners block here forever: each receive waits for the other's send.
const received = comm.recv<string>(partner);
comm.send(`hello from ${rank}`, partner);

// Never reached. If it ever is, something is badly wrong with the engine.
throw new Error(`rank ${rank} received "${received}": this program was supposed to deadlock`);
