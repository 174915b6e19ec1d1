/**
 * Patternlet 29: a halo exchange with neighbourhood collectives.
 *
 * What it teaches: on a grid, each rank needs its neighbours' edge values
 * (the "halo") before every step. Instead of pairing Sendrecv calls by hand
 * (direction by direction, with care for the order), one call does it:
 * `cart.Neighbor_alltoall(send, recv)` sends block j of `send` to neighbour j
 * and fills block i of `recv` from neighbour i. The neighbours of a Cartesian
 * communicator are, for each dimension, the source then the destination of
 * `Shift(d, 1)`. A neighbour past an open edge is PROC_NULL: nothing is sent
 * there and its receive block keeps what it held. The same calls work on
 * graph topologies (`Create_graph`, `Create_dist_graph_adjacent`).
 *
 * An iterative solver exchanges its halo at every step: it can make the
 * exchange once, `cart.Neighbor_alltoall_init(send, recv)`, and `Start()` it
 * each step; every round sends what the buffers hold at that moment.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/29-neighbor-halo.ts
 *
 * Try:
 *   - Make the second dimension periodic and watch the NaNs disappear.
 *   - Replace Neighbor_alltoall by Neighbor_allgather (everyone gets the same
 *     value from each rank) and compare.
 *   - Start the persistent exchange twice without waiting in between: the
 *     request refuses (ERR_REQUEST), as a round is still active.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const dims = MPI.Compute_dims(comm.Get_size(), 2);
const cart = comm.Create_cart(dims, [true, false]); // a cylinder: rows wrap, columns do not
const rank = cart.Get_rank();
const [row, col] = cart.coords;

// Block j goes to neighbour j: [up, down, left, right]. Each rank sends the
// neighbour a value naming itself and the direction it was sent in.
const directions = ["up", "down", "left", "right"];
const send = Float64Array.from(directions, (_, j) => rank * 10 + j);
const recv = new Float64Array(directions.length).fill(NaN); // NaN: nothing arrived
cart.Neighbor_alltoall(send, recv);

const halo = directions.map((d, i) => `${d}=${Number.isNaN(recv[i]) ? "none" : recv[i]}`).join(" ");
console.log(`Process ${rank} at (${row}, ${col}) of a ${dims.join("x")} cylinder got ${halo}`);

// Self-check: what came from neighbour i is what it sent in the opposite
// direction (up's "down" block, down's "up" block, and so on).
const opposite = [1, 0, 3, 2];
cart.inedges.forEach((from, i) => {
  const expected = from === MPI.PROC_NULL ? NaN : from * 10 + opposite[i]!;
  if (!Object.is(recv[i], expected)) throw new Error(`block ${i} holds ${recv[i]}, expected ${expected}`);
});

// The same exchange as a persistent request: made once, started every step.
const exchange = cart.Neighbor_alltoall_init(send, recv);
for (let step = 1; step <= 3; step++) {
  send.forEach((_, j) => (send[j] = 1000 * step + rank * 10 + j));
  recv.fill(NaN);
  exchange.Start();
  exchange.Wait();
  cart.inedges.forEach((from, i) => {
    const expected = from === MPI.PROC_NULL ? NaN : 1000 * step + from * 10 + opposite[i]!;
    if (!Object.is(recv[i], expected)) throw new Error(`step ${step}: block ${i} holds ${recv[i]}, expected ${expected}`);
  });
}
exchange.Free();
if (rank === 0) console.log("Three steps of the persistent halo exchange checked");
