/**
 * Patternlet 26: persistent requests for a repeated exchange.
 *
 * What it teaches: a program that sends the same kind of message to the same
 * neighbour every step (a halo exchange, a pipeline) can describe the
 * communication once, with `Send_init` and `Recv_init`, and then only `Start`
 * it each step. The arguments are checked once; each `Start` sends what the
 * buffer holds at that moment, so the program just refills the buffer between
 * steps. `Prequest.Startall` starts a list, `Request.Waitall` completes it, and
 * the requests are ready for the next step.
 *
 * Here every rank passes a running total around a ring: each step it adds its
 * rank to what came from the left and sends the result on, `steps` times.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/26-persistent-requests.ts
 *
 * Try:
 *   - Replace the persistent requests with `comm.Irecv` / `comm.Isend` inside
 *     the loop: the same result, with the arguments checked every step.
 *   - Call `exchange[0].Start()` twice in a row: the second Start is refused
 *     (ERR_REQUEST) because the request is still active.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();
const right = (rank + 1) % size;
const left = (rank - 1 + size) % size;
const steps = 5;

const outgoing = new Float64Array(1);
const incoming = new Float64Array(1);
// Described once: receive from the left into `incoming`, send `outgoing` to the right.
const exchange = [comm.Recv_init(incoming, left, 0), comm.Send_init(outgoing, right, 0)];

let total = rank;
for (let step = 0; step < steps; step++) {
  outgoing[0] = total; // read by this step's Start
  MPI.Prequest.Startall(exchange);
  MPI.Request.Waitall(exchange);
  total = incoming[0]! + rank;
}
for (const request of exchange) request.Free();

console.log(`Process ${rank} after ${steps} steps: total ${total}`);

// Self-check: after k steps a rank holds its own rank plus the ranks of the k
// ranks to its left, counted with repetition around the ring.
let expected = rank;
for (let k = 1; k <= steps; k++) expected += (rank - k + size * steps) % size;
if (total !== expected) throw new Error(`rank ${rank} expected ${expected}, got ${total}`);
