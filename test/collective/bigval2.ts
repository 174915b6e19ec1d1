import { MPI } from "mpi4ts";
const comm = MPI.COMM_WORLD;
const n = Number(process.argv[2] ?? 300000);
const buf = new Uint8Array(n);
if (comm.rank === 0) for (let i = 0; i < n; i++) buf[i] = i % 251;
comm.Bcast(buf, 0);
let bad = -1;
for (let i = 0; i < n; i++) if (buf[i] !== i % 251) { bad = i; break; }
console.log(comm.rank, "Bcast first bad", bad);
// p2p forward chain 0->2->3
if (comm.rank === 0) comm.send("é".repeat(n), 2);
if (comm.rank === 2) { const s = comm.recv<string>(0); comm.send(s, 3); console.log("2 got", s.length); }
if (comm.rank === 3) { const s = comm.recv<string>(2); console.log("3 got", s.length); }
