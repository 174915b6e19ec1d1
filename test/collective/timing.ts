// Small timing program (OSU-style): Barrier and Allreduce of 8 doubles; run with -n 2 and -n 4.
import { MPI } from "mpi4ts";
const comm = MPI.COMM_WORLD;
const rank = comm.rank, size = comm.size;
function time(name: string, iters: number, body: () => void): void {
  for (let i = 0; i < Math.min(1000, iters); i++) body();
  comm.Barrier();
  const t0 = MPI.Wtime();
  for (let i = 0; i < iters; i++) body();
  const t = (MPI.Wtime() - t0) / iters;
  const all = comm.gather(t, 0);
  if (rank === 0) console.log(`${name.padEnd(28)} ${size} ranks: ${(all!.reduce((a, b) => a + b, 0) / size * 1e6).toFixed(2)} us`);
}
const cases = (process.argv[2] ?? "all").split(",");
const want = (c: string) => cases.includes("all") || cases.includes(c);
const N = Number(process.argv[3] ?? 20000);
const s = new Float64Array(8).fill(rank), r = new Float64Array(8);
if (want("barrier")) time("Barrier", N, () => comm.Barrier());
if (want("allreduce")) time("Allreduce 8 doubles", N, () => comm.Allreduce(s, r, MPI.SUM));
if (want("value")) time("allreduce(number)", N, () => comm.allreduce(rank + 1.5));
if (want("bcast8")) { const b = new Uint8Array(8); time("Bcast 8 B", N, () => comm.Bcast(b, 0)); }
if (want("exchange")) {
  const b = new Float64Array(1), c = new Float64Array(1);
  const other = rank ^ 1;
  if (other < size) time("Sendrecv exchange 8 B", N, () => comm.Sendrecv(b, other, 0, c, other, 0));
}
if (want("pingpong")) {
  const b = new Float64Array(1);
  time("Send/Recv round trip 8 B", N, () => {
    if (rank === 0) { comm.Send(b, 1); comm.Recv(b, 1); } else if (rank === 1) { comm.Recv(b, 0); comm.Send(b, 0); }
  });
}
if (want("gather")) {
  const s1 = new Uint8Array(1024), g = new Uint8Array(1024 * size);
  time("Gather 1 KiB/rank", N, () => comm.Gather(s1, rank === 0 ? g : null, 0));
}
if (want("alltoall")) {
  const s1 = new Uint8Array(1024 * size), g = new Uint8Array(1024 * size);
  time("Alltoall 1 KiB/rank", N, () => comm.Alltoall(s1, g));
}
if (want("allreduce1m")) {
  const big = new Float64Array(1 << 20).fill(rank), out = new Float64Array(1 << 20);
  time("Allreduce 1M doubles", Math.max(1, N / 1000), () => comm.Allreduce(big, out, MPI.SUM));
}
if (want("bcast1m")) {
  const b = new Uint8Array(1 << 20);
  time("Bcast 1 MiB", Math.max(1, N / 100), () => comm.Bcast(b, 0));
}
if (want("allreduce16k")) {
  const big = new Float64Array(16 << 10).fill(rank), out = new Float64Array(16 << 10);
  time("Allreduce 16K doubles", Math.max(1, N / 100), () => comm.Allreduce(big, out, MPI.SUM));
}
