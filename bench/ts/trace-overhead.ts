/**
 * What tracing adds per MPI call: Send+Recv of 8 bytes to oneself on COMM_SELF (no peer to wait for, so the
 * number is the calls' own cost), best of 15 rounds of 10 000 pairs. Run it both ways and compare:
 *
 *   node bin/mpi4ts.js run -n 1 bench/ts/trace-overhead.ts
 *   node bin/mpi4ts.js run -n 1 --trace /tmp/overhead.json bench/ts/trace-overhead.ts
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_SELF;
const buf = new Uint8Array(8);
const PAIRS = 10_000;
let best = Infinity;
for (let round = 0; round < 15; round++) {
  const t0 = MPI.Wtime();
  for (let i = 0; i < PAIRS; i++) {
    comm.Send(buf, 0, 1);
    comm.Recv(buf, 0, 1);
  }
  best = Math.min(best, (MPI.Wtime() - t0) / PAIRS);
}
console.log(JSON.stringify({ case: "send-recv-self", traced: MPI.trace.enabled, usecPerPair: Number((best * 1e6).toFixed(3)) }));
