/**
 * Patternlet 23: nonblocking communication overlapping computation.
 *
 * What it teaches: `isend` and `irecv` start a communication and return at
 * once with a Request; the rank computes while the message travels, and
 * collects the result later. A Request can be waited on (`req.wait()`, which
 * blocks like `recv`) or awaited (`await req`), which lets the JavaScript event
 * loop keep running (timers, I/O) until the message is there.
 *
 * Here every rank sends a value to its right neighbour in a ring and receives
 * from its left neighbour. Because nothing blocks until both calls have been
 * started, the order of the calls does not matter: no deadlock is possible,
 * unlike patternlet 04.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/23-nonblocking.ts
 *
 * Try:
 *   - Replace `await incoming` by `incoming.wait()`.
 *   - Poll instead: `const [done, value] = incoming.test()` in a loop that does
 *     a bit of work each time around.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

const right = (rank + 1) % size;
const left = (rank - 1 + size) % size;

interface Note {
  from: number;
  payload: number[];
}

// 1) Start both communications; neither call waits.
const incoming = comm.irecv<Note>(left);
const outgoing = comm.isend({ from: rank, payload: [rank, rank * rank] } satisfies Note, right);

// 2) Do useful work while the messages travel.
let work = 0;
for (let i = 1; i <= 1_000_000; i++) work += 1 / (i * i);

// 3) Collect: await the receive (the event loop stays free meanwhile) and
//    make sure our send has completed before the program ends.
const note = await incoming;
await outgoing;

console.log(`Process ${rank} computed ${work.toFixed(6)} while receiving ${JSON.stringify(note)} from ${left}`);

// Self-check: the note came from my left neighbour, intact.
if (note.from !== left || note.payload[0] !== left || note.payload[1] !== left * left) {
  throw new Error(`rank ${rank} expected a note from ${left}, got ${JSON.stringify(note)}`);
}
