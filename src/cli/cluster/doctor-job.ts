/**
 * The job of `mpi4ts cluster doctor`, one rank per host: every pair of ranks in turn ping-pongs (the others wait
 * at a barrier, asleep, so one link is measured at a time), small messages for latency and large ones for bandwidth.
 * Rank 0 prints one line, DOCTOR {json}: the hosts' names and the two matrices (µs one way; MB/s).
 */
import { MPI } from "../../index.js";

const comm = MPI.COMM_WORLD;
const { rank, size } = comm;
const SMALL_ROUNDS = 50;
const LARGE_BYTES = Number(process.argv[2] ?? 1 << 20);
const LARGE_ROUNDS = Number(process.argv[3] ?? 4);

const small = new Uint8Array(1);
const large = new Uint8Array(LARGE_BYTES);

/**
 * Seconds of the fastest of `rounds` round trips of buf with peer, after one warm-up (which also opens the
 * connection). The fastest, not the mean: a busy host's scheduler adds milliseconds to some rounds, a slow link
 * slows every round.
 */
function pingPong(peer: number, leads: boolean, buf: Uint8Array, rounds: number): number {
  let best = Infinity;
  for (let r = 0; r <= rounds; r++) {
    const start = MPI.Wtime();
    if (leads) { comm.Send(buf, peer, 1); comm.Recv(buf, peer, 1); } else { comm.Recv(buf, peer, 1); comm.Send(buf, peer, 1); }
    if (r > 0) best = Math.min(best, MPI.Wtime() - start);
  }
  return best;
}

const nap = new Int32Array(new SharedArrayBuffer(4));
/**
 * A barrier that sleeps while it waits: ranks spinning in MPI_Barrier would take the CPU from the two ranks being
 * timed on a host with few cores (seen: milliseconds of "latency" on a 2-core machine).
 */
function quietBarrier(): void {
  const request = comm.Ibarrier();
  while (!request.Test()) Atomics.wait(nap, 0, 0, 1);
}

const latencyUs: number[][] = Array.from({ length: size }, () => new Array<number>(size).fill(0));
const bandwidthMBs: number[][] = Array.from({ length: size }, () => new Array<number>(size).fill(0));
for (let i = 0; i < size; i++) {
  for (let j = i + 1; j < size; j++) {
    quietBarrier();
    if (rank !== i && rank !== j) continue;
    const peer = rank === i ? j : i;
    const lat = pingPong(peer, rank === i, small, SMALL_ROUNDS) / 2;
    const bw = (2 * LARGE_BYTES) / pingPong(peer, rank === i, large, LARGE_ROUNDS) / 1e6;
    latencyUs[i]![j] = latencyUs[j]![i] = lat * 1e6;
    bandwidthMBs[i]![j] = bandwidthMBs[j]![i] = bw;
  }
}
quietBarrier();
const rows = comm.gather({ name: MPI.Get_processor_name(), latencyUs: latencyUs[rank]!, bandwidthMBs: bandwidthMBs[rank]! }, 0);
if (rank === 0) {
  // Both ranks of a pair timed the same exchanges; the matrices keep the timing of the pair's lower rank.
  const lower = (key: "latencyUs" | "bandwidthMBs") => rows!.map((row, i) => row[key].map((v, j) => (i < j ? v : rows![j]![key][i]!)));
  console.log(`DOCTOR ${JSON.stringify({ names: rows!.map((r) => r.name), latencyUs: lower("latencyUs"), bandwidthMBs: lower("bandwidthMBs") })}`);
}
