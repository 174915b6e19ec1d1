/**
 * Point-to-point micro benchmarks for mpi4ts (the same cases as bench/c/p2p.c and bench/py/p2p.py).
 *
 *   pingpong-buffer: Send/Recv of Uint8Arrays, one-way latency = round trip / 2, 0 B .. 16 MiB.
 *   bandwidth:       64 Isend of 4 MiB in flight, Request.waitall; the receiver pre-posts 64 Irecv, then a 4-byte ack.
 *   pingpong-value:  send/recv of 42, an object of 5 fields, an array of 1000 floats, a 1 MiB string.
 *   requests:        both ranks exchange 8 B / 64 KiB per iteration, with plain requests (Irecv + Isend +
 *                    Waitall) or with persistent ones made once (Recv_init + Send_init, then Startall + Waitall).
 *   halo:            both ranks of a 1000x1000 row-major grid of doubles exchange one column per iteration
 *                    (Sendrecv), with a Create_vector column type or packed by hand into a contiguous buffer.
 *
 * Run: node bin/mpi4ts.js run -n 2 bench/ts/p2p.ts [--quick] [--cases pingpong-buffer,bandwidth,pingpong-value,requests,halo]
 */
import { MPI } from "mpi4ts";
import { emit, measure, round4, timing, want } from "./harness.js";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();
const TAG_DATA = 1;
const TAG_CTRL = 99;
const WINDOW = 64;
const ctrl = new Float64Array(1);

/** Rank 0's time, shared with rank 1 (the only other participant). */
function agree(t: number): number {
  if (rank === 0) {
    ctrl[0] = t;
    comm.Send(ctrl, 1, TAG_CTRL);
  } else {
    comm.Recv(ctrl, 0, TAG_CTRL);
  }
  return ctrl[0]!;
}

function pingpongBuffer(nbytes: number): void {
  const buf = new Uint8Array(nbytes).fill(1);
  const run = (iters: number): number => {
    const t0 = MPI.Wtime();
    if (rank === 0) {
      for (let i = 0; i < iters; i++) {
        comm.Send(buf, 1, TAG_DATA);
        comm.Recv(buf, 1, TAG_DATA);
      }
    } else {
      for (let i = 0; i < iters; i++) {
        comm.Recv(buf, 0, TAG_DATA);
        comm.Send(buf, 0, TAG_DATA);
      }
    }
    return MPI.Wtime() - t0;
  };
  const m = measure(run, agree);
  if (rank === 0) emit({ case: "pingpong-buffer", size: nbytes, ranks: size, ...timing(m, 2) });
}

function bandwidth(): void {
  const nbytes = 4 << 20;
  const buf = new Uint8Array(nbytes).fill(1);
  const ack = new Int32Array(1);
  const run = (iters: number): number => {
    const t0 = MPI.Wtime();
    for (let i = 0; i < iters; i++) {
      const reqs: MPI.Request<void>[] = [];
      if (rank === 0) {
        for (let w = 0; w < WINDOW; w++) reqs.push(comm.Isend(buf, 1, TAG_DATA));
        MPI.Request.waitall(reqs);
        comm.Recv(ack, 1, TAG_DATA + 1);
      } else {
        for (let w = 0; w < WINDOW; w++) reqs.push(comm.Irecv(buf, 0, TAG_DATA));
        MPI.Request.waitall(reqs);
        comm.Send(ack, 0, TAG_DATA + 1);
      }
    }
    return MPI.Wtime() - t0;
  };
  const m = measure(run, agree);
  if (rank === 0) {
    emit({
      case: "bandwidth", size: nbytes, ranks: size, window: WINDOW,
      ...timing(m, WINDOW), gbps: round4((nbytes * WINDOW) / m.perIter / 1e9),
    });
  }
}

const VALUES: [label: string, nominal: number, value: unknown][] = [
  ["int", 8, 42],
  ["dict", 5, { a: 1, b: 2.5, c: "hello", d: [1, 2], e: null }],
  ["float[1000]", 8000, Array.from({ length: 1000 }, (_, i) => i + 0.25)],
  ["str 1MiB", 1 << 20, "x".repeat(1 << 20)],
];

function pingpongValue(label: string, nominal: number, obj: unknown): void {
  const run = (iters: number): number => {
    const t0 = MPI.Wtime();
    if (rank === 0) {
      for (let i = 0; i < iters; i++) {
        comm.send(obj, 1, TAG_DATA);
        comm.recv(1, TAG_DATA);
      }
    } else {
      for (let i = 0; i < iters; i++) {
        const x = comm.recv(0, TAG_DATA);
        comm.send(x, 0, TAG_DATA);
      }
    }
    return MPI.Wtime() - t0;
  };
  const m = measure(run, agree);
  if (rank === 0) {
    emit({ case: "pingpong-value", value: label, size: nominal, ranks: size, ...timing(m, 2) });
  }
}

/** One exchange per iteration; `persistent` makes the requests once and restarts them, else posts new ones. */
function requests(nbytes: number, persistent: boolean): void {
  const peer = 1 - rank;
  const out = new Uint8Array(nbytes).fill(1);
  const into = new Uint8Array(nbytes);
  const made = persistent ? [comm.Recv_init(into, peer, TAG_DATA), comm.Send_init(out, peer, TAG_DATA)] : [];
  const run = (iters: number): number => {
    const t0 = MPI.Wtime();
    for (let i = 0; i < iters; i++) {
      if (persistent) {
        MPI.Prequest.Startall(made);
        MPI.Request.Waitall(made);
      } else {
        MPI.Request.Waitall([comm.Irecv(into, peer, TAG_DATA), comm.Isend(out, peer, TAG_DATA)]);
      }
    }
    return MPI.Wtime() - t0;
  };
  const m = measure(run, agree);
  for (const r of made) r.Free();
  if (rank === 0) {
    emit({ case: "requests", value: `${persistent ? "persistent" : "plain"} ${nbytes} B`, size: nbytes, ranks: size, ...timing(m) });
  }
}

const HALO_N = 1000;

/** Rank 0 sends its last inner column and receives its right ghost column; rank 1 its first and its left. */
function halo(vector: boolean): void {
  const peer = 1 - rank;
  const grid = Float64Array.from({ length: HALO_N * HALO_N }, (_, k) => k);
  const [sendCol, recvCol] = rank === 0 ? [HALO_N - 2, HALO_N - 1] : [1, 0];
  const column = MPI.DOUBLE.Create_vector(HALO_N, 1, HALO_N).Commit();
  const sendSpec = [grid.subarray(sendCol), 1, column] as const;
  const recvSpec = [grid.subarray(recvCol), 1, column] as const;
  const out = new Float64Array(HALO_N);
  const into = new Float64Array(HALO_N);
  const run = (iters: number): number => {
    const t0 = MPI.Wtime();
    for (let i = 0; i < iters; i++) {
      if (vector) {
        comm.Sendrecv(sendSpec, peer, TAG_DATA, recvSpec, peer, TAG_DATA);
      } else {
        for (let r = 0; r < HALO_N; r++) out[r] = grid[r * HALO_N + sendCol]!;
        comm.Sendrecv(out, peer, TAG_DATA, into, peer, TAG_DATA);
        for (let r = 0; r < HALO_N; r++) grid[r * HALO_N + recvCol] = into[r]!;
      }
    }
    return MPI.Wtime() - t0;
  };
  const m = measure(run, agree);
  column.Free();
  // A row must time a correct exchange: the ghost column holds the peer's sent column (grid[k] = k on both ranks).
  const peerCol = rank === 0 ? 1 : HALO_N - 2;
  for (let r = 0; r < HALO_N; r++) {
    if (grid[r * HALO_N + recvCol] !== r * HALO_N + peerCol) throw new Error(`halo ${vector ? "vector" : "packed"}: rank ${rank}'s ghost row ${r} is wrong`);
  }
  if (rank === 0) {
    emit({ case: "halo", value: vector ? "vector" : "packed", size: HALO_N * 8, rows: HALO_N, cols: HALO_N, ranks: size, ...timing(m) });
  }
}

if (size < 2) throw new Error("p2p needs 2 ranks");
if (rank < 2) {
  if (want("pingpong-buffer")) for (const n of [0, 8, 1024, 65536, 1 << 20, 16 << 20]) pingpongBuffer(n);
  if (want("bandwidth")) bandwidth();
  if (want("pingpong-value")) for (const [label, nominal, obj] of VALUES) pingpongValue(label, nominal, obj);
  if (want("requests")) for (const n of [8, 65536]) for (const persistent of [false, true]) requests(n, persistent);
  if (want("halo")) for (const vector of [true, false]) halo(vector);
}
