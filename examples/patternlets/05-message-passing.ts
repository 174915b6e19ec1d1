/**
 * Patternlet 05: message passing done right (odd/even ordering).
 *
 * What it teaches: how to fix the deadlock of patternlet 04. Partners must not
 * both wait first. Here even ranks send then receive, odd ranks receive then
 * send, so every blocking call has a partner ready for it. The same idea is
 * behind `sendrecv` (used from patternlet 25 on), which does both at once.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/05-message-passing.ts
 *
 * Try:
 *   - Run with an odd number of ranks: the last rank has no partner and says so.
 *   - Replace `send` with `ssend` (a send that waits for the matching receive):
 *     the ordering still works, because it does not rely on buffering.
 *   - Replace both calls by one `comm.sendrecv(message, partner, 0, partner)`.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const partner = rank % 2 === 0 ? rank + 1 : rank - 1;

if (partner >= size) {
  // Odd world size: the last rank has nobody to talk to.
  console.log(`Process ${rank} has no partner and sits this one out`);
} else {
  const message = `${rank * 10} from process ${rank}`;
  let received: string;
  if (rank % 2 === 0) {
    comm.send(message, partner); // evens send first...
    received = comm.recv<string>(partner);
  } else {
    received = comm.recv<string>(partner); // ...while odds receive first
    comm.send(message, partner);
  }
  console.log(`Process ${rank} sent "${message}" and received "${received}"`);

  // Self-check: the message I got is exactly the one my partner built.
  const expected = `${partner * 10} from process ${partner}`;
  if (received !== expected) {
    throw new Error(`rank ${rank} expected "${expected}" but received "${received}"`);
  }
}
