// sizes: 1 2 3 4
/**
 * Datatypes as objects (issue 10): predefined types, every derived-type constructor with its bounds, Pack/Unpack,
 * buffer specs in point-to-point calls and collectives (a grid column sent with one vector type, no manual
 * packing), Status counts in items and elements, and the errors (uncommitted, freed, overrun), on COMM_WORLD, a
 * Dup and COMM_SELF.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";
import { expectError } from "../support/expect-error.js";

// ---- the types themselves (no communication) -------------------------------------------------------------

{
  const sizes: [MPI.Datatype, number, MPI.ElementArray][] = [
    [MPI.BYTE, 1, Uint8Array], [MPI.CHAR, 1, Int8Array], [MPI.SIGNED_CHAR, 1, Int8Array], [MPI.UNSIGNED_CHAR, 1, Uint8Array],
    [MPI.SHORT, 2, Int16Array], [MPI.UNSIGNED_SHORT, 2, Uint16Array], [MPI.INT, 4, Int32Array], [MPI.UNSIGNED, 4, Uint32Array],
    [MPI.LONG, 8, BigInt64Array], [MPI.UNSIGNED_LONG, 8, BigUint64Array], [MPI.LONG_LONG, 8, BigInt64Array],
    [MPI.UNSIGNED_LONG_LONG, 8, BigUint64Array], [MPI.INT8_T, 1, Int8Array], [MPI.INT16_T, 2, Int16Array],
    [MPI.INT32_T, 4, Int32Array], [MPI.INT64_T, 8, BigInt64Array], [MPI.UINT8_T, 1, Uint8Array], [MPI.UINT16_T, 2, Uint16Array],
    [MPI.UINT32_T, 4, Uint32Array], [MPI.UINT64_T, 8, BigUint64Array], [MPI.FLOAT, 4, Float32Array],
    [MPI.DOUBLE, 8, Float64Array], [MPI.C_BOOL, 1, Uint8Array], [MPI.PACKED, 1, Uint8Array],
    [MPI.C_DOUBLE_COMPLEX, 16, Float64Array],
  ];
  for (const [t, size, element] of sizes) {
    assert.equal(t.Get_size(), size, t.name);
    assert.deepEqual(t.Get_extent(), [0, size], t.name);
    assert.deepEqual(t.Get_true_extent(), [0, size], t.name);
    assert.equal(t.element, element, t.name);
    assert.ok(t.is_predefined && t.committed);
    expectError("ERR_TYPE", () => t.Free(), /predefined/);
  }
  assert.equal(MPI.DOUBLE.Get_name(), "MPI_DOUBLE");
  // a complex number is one basic element (two typed-array slots): Get_elements counts complex numbers
  const cst = new MPI.Status();
  cst.byteCount = 48;
  assert.equal(cst.Get_elements(MPI.C_DOUBLE_COMPLEX), 3);
  assert.equal(cst.Get_elements(MPI.DOUBLE), 6);
  assert.equal(MPI.SIGNED_INT, MPI.INT);
  assert.equal(MPI.DATATYPE_NULL.size, 0);
  assert.ok(MPI.DATATYPE_NULL.isNull);
  expectError("ERR_TYPE", () => MPI.DATATYPE_NULL.Create_contiguous(2), /DATATYPE_NULL/);

  const contig = MPI.DOUBLE.Create_contiguous(3);
  assert.deepEqual([contig.size, contig.lb, contig.extent], [24, 0, 24]);
  assert.equal(contig.combiner, MPI.COMBINER_CONTIGUOUS);
  assert.deepEqual(contig.Get_envelope(), [1, 0, 1, MPI.COMBINER_CONTIGUOUS]);
  assert.deepEqual(contig.Get_contents(), [[3], [], [MPI.DOUBLE]]);
  assert.deepEqual(MPI.DOUBLE.Get_envelope(), [0, 0, 0, MPI.COMBINER_NAMED]);
  expectError("ERR_TYPE", () => MPI.DOUBLE.Get_contents(), /predefined/);
  assert.equal(contig.committed, false);
  assert.equal(contig.Commit(), contig);
  const vec = MPI.DOUBLE.Create_vector(3, 2, 4); // 2 doubles, skip 2, ×3
  assert.deepEqual([vec.size, vec.lb, vec.extent], [48, 0, (2 * 4 + 2) * 8]);
  assert.deepEqual(vec.Get_contents(), [[3, 2, 4], [], [MPI.DOUBLE]]);
  const hvec = MPI.INT.Create_hvector(2, 1, 12);
  assert.deepEqual(hvec.Get_contents(), [[2, 1], [12], [MPI.INT]]);
  assert.deepEqual([hvec.size, hvec.extent], [8, 16]);
  const idx = MPI.INT.Create_indexed([2, 1], [3, 0]);
  assert.deepEqual([idx.size, idx.lb, idx.ub, idx.extent], [12, 0, 20, 20]);
  assert.deepEqual(idx.Get_contents(), [[2, 2, 1, 3, 0], [], [MPI.INT]]);
  const hidx = MPI.INT.Create_hindexed([1, 1], [8, 2]);
  assert.deepEqual(hidx.Get_contents(), [[2, 1, 1], [8, 2], [MPI.INT]]);
  assert.deepEqual(MPI.SHORT.Create_indexed_block(2, [1, 5]).Get_contents(), [[2, 2, 1, 5], [], [MPI.SHORT]]);
  assert.deepEqual(MPI.BYTE.Create_hindexed_block(3, [0, 10]).Get_envelope(), [2, 2, 1, MPI.COMBINER_HINDEXED_BLOCK]);
  assert.deepEqual([hidx.size, hidx.lb, hidx.extent], [8, 2, 10]);
  assert.deepEqual(MPI.SHORT.Create_indexed_block(2, [1, 5]).Get_extent(), [2, 12]);
  assert.deepEqual(MPI.BYTE.Create_hindexed_block(3, [0, 10]).Get_extent(), [0, 13]);
  // subarrays: extent is the whole array's; C and Fortran orders pick different elements
  const subC = MPI.INT.Create_subarray([4, 5], [2, 3], [1, 2], MPI.ORDER_C).Commit();
  assert.deepEqual([subC.size, subC.extent], [24, 80]);
  assert.deepEqual(subC.Get_true_extent(), [(1 * 5 + 2) * 4, ((2 * 5 + 4) - (1 * 5 + 2) + 1) * 4]);
  assert.deepEqual(subC.Get_contents(), [[2, 4, 5, 2, 3, 1, 2, MPI.ORDER_C], [], [MPI.INT]]);
  const subF = MPI.INT.Create_subarray([4, 5], [2, 3], [1, 2], MPI.ORDER_FORTRAN).Commit();
  const grid = Int32Array.from({ length: 20 }, (_, i) => i);
  const pickC = new Int32Array(6), pickF = new Int32Array(6);
  subC.Unpack(new Uint8Array(0), 0, new Uint8Array(0), MPI.COMM_SELF); // nothing to unpack: position stays
  assert.equal(subC.Pack(grid, pickC, 0, MPI.COMM_SELF), 24);
  assert.equal(subF.Pack(grid, pickF, 0, MPI.COMM_SELF), 24);
  assert.deepEqual(Array.from(pickC), [7, 8, 9, 12, 13, 14]); // rows 1-2, columns 2-4 of a 4×5 row-major grid
  assert.deepEqual(Array.from(pickF), [9, 10, 13, 14, 17, 18]); // Fortran: dims (4 fast, 5 slow): i 1-2, j 2-4
  expectError("ERR_ARG", () => MPI.INT.Create_subarray([4], [3], [2]), /exceed/);
  // struct: { double x; int n; } has 12 bytes of data and is padded to 16, like the C struct
  const rec = MPI.Datatype.Create_struct([1, 1], [0, 8], [MPI.DOUBLE, MPI.INT]).Commit();
  assert.deepEqual([rec.size, rec.extent, rec.element], [12, 16, null]);
  assert.deepEqual(rec.Get_contents(), [[2, 1, 1], [0, 8], [MPI.DOUBLE, MPI.INT]]);
  const resized = MPI.DOUBLE.Create_resized(0, 24);
  assert.deepEqual([resized.size, resized.extent, resized.ub], [8, 24, 24]);
  assert.deepEqual(resized.Get_contents(), [[], [0, 24], [MPI.DOUBLE]]);
  const dup = vec.Dup();
  assert.equal(dup.combiner, MPI.COMBINER_DUP);
  assert.equal(dup.Get_contents()[2][0], vec);
  assert.equal(dup.committed, false);
  dup.Set_name("halo");
  assert.equal(dup.Get_name(), "halo");
  dup.Free();
  expectError("ERR_TYPE", () => dup.Commit(), /halo was freed/);
  expectError("ERR_COUNT", () => MPI.DOUBLE.Create_vector(-1, 1, 1), /count/);
  expectError("ERR_ARG", () => MPI.INT.Create_indexed([1, 2], [0]), /blocklengths has 2 entries but displacements has 1/);
  expectError("ERR_TYPE", () => MPI.Datatype.Create_struct([1], [0], [Float64Array as never]), /MPI.Datatype/);

  // Pack/Unpack round trip of a struct array, and Pack_size
  const bytes = new ArrayBuffer(3 * 16);
  const view = new DataView(bytes);
  for (let i = 0; i < 3; i++) { view.setFloat64(16 * i, i + 0.5, true); view.setInt32(16 * i + 8, 10 - i, true); }
  assert.equal(rec.Pack_size(3, MPI.COMM_WORLD), 36);
  const packed = new Uint8Array(4 + 36);
  assert.equal(rec.Pack(bytes, packed, 4, MPI.COMM_WORLD), 40);
  const back = new ArrayBuffer(3 * 16);
  assert.equal(rec.Unpack(packed, 4, back, MPI.COMM_WORLD), 40);
  for (let i = 0; i < 3; i++) {
    assert.equal(new DataView(back).getFloat64(16 * i, true), i + 0.5);
    assert.equal(new DataView(back).getInt32(16 * i + 8, true), 10 - i);
  }
  expectError("ERR_TRUNCATE", () => rec.Pack(bytes, new Uint8Array(20), 0, MPI.COMM_WORLD), /need 36 packed bytes/);
  expectError("ERR_TYPE", () => MPI.INT.Create_contiguous(2).Pack(grid, new Uint8Array(80), 0, MPI.COMM_SELF), /not committed/);
  expectError("ERR_COMM", () => MPI.INT.Pack(grid, new Uint8Array(80), 0, MPI.COMM_NULL), /COMM_NULL/);

  // element counts of a partial item: 3 doubles are 1 pair and a half, 3 elements
  const st = new MPI.Status();
  st.byteCount = 24;
  const pair = MPI.DOUBLE.Create_contiguous(2).Commit();
  assert.equal(st.Get_count(pair), MPI.UNDEFINED);
  assert.equal(st.Get_elements(pair), 3);
  assert.equal(st.Get_elements(rec), 4); // 24 bytes: two records
  st.byteCount = 22; // a record, a double, half an int
  assert.equal(st.Get_elements(rec), MPI.UNDEFINED);
  st.byteCount = 20;
  assert.equal(st.Get_elements(rec), 3);
}

// ---- communication ---------------------------------------------------------------------------------------

const world = MPI.COMM_WORLD;
const comms: [string, MPI.Comm][] = [["COMM_WORLD", world], ["Dup", world.Dup()], ["COMM_SELF", MPI.COMM_SELF]];

const ROWS = 5, COLS = 4;
const seqOf = (n: number) => Array.from({ length: n }, (_, i) => i);
/** A ROWS×COLS row-major grid whose cell (i, j) holds rank*1000 + i*10 + j. */
function grid(rank: number): Float64Array {
  return Float64Array.from({ length: ROWS * COLS }, (_, k) => rank * 1000 + Math.floor(k / COLS) * 10 + (k % COLS));
}
function column(g: Float64Array, j: number): number[] {
  return Array.from({ length: ROWS }, (_, i) => g[i * COLS + j]!);
}
const columnType = MPI.DOUBLE.Create_vector(ROWS, 1, COLS).Commit();
columnType.Set_name("column");

for (const [label, comm] of comms) {
  const rank = comm.rank, size = comm.size;
  const next = (rank + 1) % size, prev = (rank - 1 + size) % size;
  const ctx = (what: string) => `${label} rank ${rank}/${size}: ${what}`;

  // a column sent with the vector type arrives as ROWS contiguous doubles (type signatures match), and back into a column
  {
    const mine = grid(rank);
    const into = new Float64Array(ROWS);
    const st = new MPI.Status();
    comm.Sendrecv([mine, 1, columnType], next, 1, into, prev, 1, st);
    assert.deepEqual(Array.from(into), column(grid(prev), 0), ctx("column to contiguous"));
    assert.equal(st.Get_count(), ROWS * 8);
    assert.equal(st.Get_count(MPI.DOUBLE), ROWS);
    assert.equal(st.Get_count(columnType), 1);
    assert.equal(st.Get_elements(columnType), ROWS);

    const target = new Float64Array(ROWS * COLS).fill(-1);
    // [buf, [count, displ], type]: displ in extents; start at column 2 by a subarray view instead
    comm.Sendrecv(Float64Array.from(column(mine, 3)), next, 2, [target.subarray(2), 1, columnType], prev, 2, st);
    assert.deepEqual(column(target, 2), column(grid(prev), 3), ctx("contiguous to column"));
    assert.ok([0, 1, 3].every((j) => column(target, j).every((v) => v === -1)), ctx("other columns untouched"));
    assert.equal(st.Get_count(columnType), 1);
  }

  // nonblocking: Irecv into a column type lands on wait; Isend of two columns through a resized type
  {
    const mine = grid(rank);
    const twoCols = columnType.Create_resized(0, 8).Commit(); // consecutive items are consecutive columns
    const into = new Float64Array(ROWS * COLS);
    const r = comm.Irecv([into, 2, twoCols], prev, 3);
    const s = comm.Isend([mine, 2, twoCols], next, 3);
    const st = new MPI.Status();
    r.wait(st);
    s.wait();
    assert.deepEqual(column(into, 0), column(grid(prev), 0), ctx("Irecv column 0"));
    assert.deepEqual(column(into, 1), column(grid(prev), 1), ctx("Irecv column 1"));
    assert.deepEqual(column(into, 2), new Array(ROWS).fill(0));
    assert.equal(st.Get_count(twoCols), 2);
  }

  // packed copies are reused once a blocking call is done with them (message.ts), never while a send is pending
  {
    const sentBy = (r: number, k: number) => grid(r).map((v) => v + k / 2);
    const pending: MPI.Request[] = [];
    for (let k = 0; k < 6; k++) {
      if (k % 2 === 0) pending.push(comm.Isend([sentBy(rank, k), 1, columnType], next, 20 + k));
      else comm.Send([sentBy(rank, k), 1, columnType], next, 20 + k);
    }
    // and the same on the receiving side: Irecvs into a column wait while blocking Recvs of the type land
    const grids = Array.from({ length: 6 }, () => new Float64Array(ROWS * COLS).fill(-1));
    const receiving = [1, 3, 5].map((k) => comm.Irecv([grids[k]!.subarray(1), 1, columnType], prev, 20 + k));
    for (const k of [0, 2, 4]) comm.Recv([grids[k]!.subarray(1), 1, columnType], prev, 20 + k);
    MPI.Request.Waitall([...pending, ...receiving]);
    grids.forEach((g, k) => assert.deepEqual(column(g, 1), column(sentBy(prev, k), 0), ctx(`column ${k} sent and received while others were packed`)));
  }

  // a short message fills the type's blocks in order and stops inside one (word and byte granularity)
  {
    const pairs = MPI.DOUBLE.Create_vector(3, 2, 4).Commit(); // doubles 0,1 4,5 8,9
    const into = new Float64Array(10).fill(-1);
    const st = new MPI.Status();
    comm.Sendrecv(new Float64Array([1, 2, 3]).map((v) => v + 10 * rank), next, 11, [into, 1, pairs], prev, 11, st);
    assert.deepEqual(Array.from(into), [1, 2, -1, -1, 3, -1, -1, -1, -1, -1].map((v) => (v < 0 ? v : v + 10 * prev)), ctx("short into pairs"));
    assert.equal(st.Get_count(pairs), MPI.UNDEFINED);
    assert.equal(st.Get_elements(pairs), 3);
    const bytes = new Uint8Array(9).fill(0xee);
    comm.Sendrecv(Uint8Array.of(1, 2, 3, 4, 5), next, 12, [bytes, 1, MPI.BYTE.Create_vector(3, 2, 3).Commit()], prev, 12);
    assert.deepEqual(Array.from(bytes), [1, 2, 0xee, 3, 4, 0xee, 5, 0xee, 0xee], ctx("short bytes"));
  }

  // Pack a column and a header, send them as MPI.PACKED, Unpack on the other side; an awaited Irecv lands too
  {
    const packed = new Uint8Array(columnType.Pack_size(1, comm) + MPI.INT.Pack_size(1, comm));
    let position = MPI.INT.Pack(Int32Array.of(rank), packed, 0, comm);
    position = columnType.Pack(grid(rank).subarray(2), packed, position, comm);
    const arrived = new Uint8Array(packed.length);
    const r = comm.Irecv([arrived, MPI.PACKED], prev, 13);
    comm.Send([packed, position, MPI.PACKED], next, 13);
    await r;
    const header = new Int32Array(1);
    const target = new Float64Array(ROWS * COLS);
    const after = columnType.Unpack(arrived, MPI.INT.Unpack(arrived, 0, header, comm), target.subarray(1), comm);
    assert.equal(after, position);
    assert.equal(header[0], prev);
    assert.deepEqual(column(target, 1), column(grid(prev), 2), ctx("PACKED column"));
    const awaited = new Float64Array(ROWS * COLS);
    const pending = comm.Irecv([awaited.subarray(3), 1, columnType], prev, 14);
    comm.Send(Float64Array.from(column(grid(rank), 1)), next, 14);
    await pending;
    assert.deepEqual(column(awaited, 3), column(grid(prev), 1), ctx("awaited Irecv column"));
  }

  // Sendrecv_replace with a derived type: only the type's cells are replaced
  {
    const mine = grid(rank);
    comm.Sendrecv_replace([mine, 1, columnType], next, 4, prev, 4);
    const expected = grid(rank);
    for (let i = 0; i < ROWS; i++) expected[i * COLS] = grid(prev)[i * COLS]!;
    assert.deepEqual(Array.from(mine), Array.from(expected), ctx("Sendrecv_replace column"));
  }

  // typed specs on byte memory: [buf, MPI.DOUBLE], [buf, count, type], [buf, [count, displ], type], [buf, count, displ, type]
  {
    const out = new Uint8Array(new Float64Array([rank, rank + 0.5, -rank]).buffer);
    const into = new ArrayBuffer(32);
    comm.Sendrecv([out, MPI.DOUBLE], next, 5, [into, [3, 1], MPI.DOUBLE], prev, 5);
    assert.deepEqual(Array.from(new Float64Array(into)), [0, prev, prev + 0.5, -prev], ctx("typed specs"));
    const ints = new Int32Array([1, 2, 3, 4]).map((v) => v * (rank + 1));
    const got = new Int32Array(4);
    comm.Sendrecv([ints, 2], next, 6, [got, 4, MPI.INT], prev, 6); // [buf, count]: count in the array's elements
    assert.deepEqual(Array.from(got), [prev + 1, 2 * (prev + 1), 0, 0]);
    comm.Sendrecv([ints, 1, 3, MPI.INT], next, 6, [got, 1, 2, MPI.INT], prev, 6);
    assert.deepEqual(Array.from(got), [prev + 1, 2 * (prev + 1), 4 * (prev + 1), 0], ctx("[buf, count, displ, type]"));
    // a struct array travels packed (12 bytes each) and lands in its padded layout
    const rec = MPI.Datatype.Create_struct([1, 1], [0, 8], [MPI.DOUBLE, MPI.INT]).Commit();
    const recs = new ArrayBuffer(2 * 16);
    new DataView(recs).setFloat64(16, rank + 0.25, true);
    new DataView(recs).setInt32(24, rank, true);
    const recsIn = new ArrayBuffer(2 * 16);
    const st = new MPI.Status();
    comm.Sendrecv([recs, 2, rec], next, 7, [recsIn, rec], prev, 7, st);
    assert.equal(new DataView(recsIn).getFloat64(16, true), prev + 0.25);
    assert.equal(new DataView(recsIn).getInt32(24, true), prev);
    assert.equal(st.Get_count(), 24);
    assert.equal(st.Get_elements(rec), 4);
  }

  // errors are found before anything is sent, on every rank alike
  {
    const loose = MPI.DOUBLE.Create_vector(2, 1, 2);
    expectError("ERR_TYPE", () => comm.Send([new Float64Array(3), 1, loose], next, 9), /not committed/);
    expectError("ERR_TYPE", () => comm.Recv([new Float64Array(3), 1, loose], prev, 9), /Recv on rank .*not committed/);
    expectError("ERR_BUFFER", () => comm.Send([new Float64Array((ROWS - 1) * COLS), 1, columnType], next, 9), /span bytes 0\.\.136 but buf has 128/);
    expectError("ERR_COUNT", () => comm.Send([new Float64Array(3), columnType], next, 9), /not a whole number/);
    expectError("ERR_COUNT", () => comm.Send([new Float64Array(3), -1, MPI.DOUBLE], next, 9), /count/);
    expectError("ERR_TYPE", () => comm.Send([new Float64Array(3), 1, "double"] as never, next, 9), /MPI.Datatype/);
    expectError("ERR_BUFFER", () => comm.Send([1.5, 2.5] as never, next, 9), /plain Array \(length 2\) \(use a typed array such as Float64Array.from\(array\)/);
    expectError("ERR_ARG", () => comm.Allgatherv(new Int32Array(1), [[1, 2], [1, 1]] as never), /Allgatherv on rank .*recvbuf must be a buffer.*Float64Array.from/);
    expectError("ERR_BUFFER", () => comm.Send([new Float64Array(3), [1, 4], MPI.DOUBLE], next, 9), /displacement 4/);
    const freed = columnType.Dup().Commit();
    freed.Free();
    expectError("ERR_TYPE", () => comm.Isend([grid(rank), 1, freed], next, 9), /was freed/);
    // a message longer than the receive type is ERR_TRUNCATE and stays receivable
    comm.Send(new Float64Array(ROWS + 1).fill(rank), next, 10);
    expectError("ERR_TRUNCATE", () => comm.Recv([new Float64Array(ROWS * COLS), 1, columnType], prev, 10), /has 48 bytes but the receive buffer holds 40/);
    comm.Recv(new Float64Array(ROWS + 1), prev, 10);
  }

  // collectives: every buffer collective with derived and typed specs
  {
    // Bcast of the root's column into everyone's column 1
    const g = new Float64Array(ROWS * COLS).fill(-1);
    if (rank === 0) g.set(grid(7));
    comm.Bcast([g, 1, columnType], 0);
    if (rank !== 0) assert.deepEqual(column(g, 0), column(grid(7), 0), ctx("Bcast column"));
    if (rank !== 0) assert.ok(column(g, 1).every((v) => v === -1));
    // Ibcast lands on wait
    const h = new Float64Array(ROWS * COLS);
    if (rank === 0) h.set(grid(8));
    comm.Ibcast([h.subarray(3), 1, columnType], 0).wait();
    assert.deepEqual(column(h, 3), column(grid(8), 3), ctx("Ibcast column"));

    // Gather columns: rank r's column 0 becomes column r of the root's size-column grid (resized column type)
    const wide = new Float64Array(ROWS * size).fill(-1);
    const colOfWide = MPI.DOUBLE.Create_vector(ROWS, 1, size).Create_resized(0, 8).Commit();
    // as in mpi4py, the count of a buffer split into one block per rank is the count of one block
    comm.Gather([grid(rank), 1, columnType], rank === 0 ? [wide, 1, colOfWide] : null, 0);
    if (rank === 0) {
      for (let r = 0; r < size; r++) {
        assert.deepEqual(Array.from({ length: ROWS }, (_, i) => wide[i * size + r]), column(grid(r), 0), ctx(`Gather column ${r}`));
      }
    }
    // Allgather / Iallgather of typed byte specs
    const all = new ArrayBuffer(8 * 2 * size);
    comm.Allgather([new Float64Array([rank, -rank]), MPI.DOUBLE], [all, MPI.DOUBLE]);
    assert.deepEqual(Array.from(new Float64Array(all)), Array.from({ length: 2 * size }, (_, k) => (k % 2 ? -Math.floor(k / 2) : Math.floor(k / 2))));
    const wideAll = new Float64Array(ROWS * size);
    comm.Iallgather([grid(rank), 1, columnType], [wideAll, 1, colOfWide]).wait();
    for (let r = 0; r < size; r++) assert.deepEqual(Array.from({ length: ROWS }, (_, i) => wideAll[i * size + r]), column(grid(r), 0));

    // Scatter columns of the root's wide grid: rank r gets column r as ROWS contiguous doubles
    const mineCol = new Float64Array(ROWS);
    comm.Scatter(rank === 0 ? [wideAll, 1, colOfWide] : null, mineCol, 0);
    assert.deepEqual(Array.from(mineCol), column(grid(rank), 0), ctx("Scatter column"));

    // v-collectives with [buf, counts, displs, datatype]: rank r contributes r+1 ints
    const counts = Array.from({ length: size }, (_, r) => r + 1);
    const displs = counts.map((_, r) => (r * (r + 1)) / 2);
    const total = (size * (size + 1)) / 2;
    const mine = new Int32Array(rank + 1).fill(rank);
    const gathered = new Uint8Array(4 * total);
    comm.Allgatherv([mine, MPI.INT], [gathered, counts, displs, MPI.INT]);
    assert.deepEqual(Array.from(new Int32Array(gathered.buffer)), counts.flatMap((n, r) => new Array(n).fill(r)), ctx("Allgatherv typed"));
    const atRoot = new Int32Array(total);
    comm.Gatherv([mine, rank + 1, MPI.INT], rank === 0 ? [atRoot, [counts, displs], MPI.INT] : null, 0);
    if (rank === 0) assert.deepEqual(Array.from(atRoot), counts.flatMap((n, r) => new Array(n).fill(r)));
    const back = new Int32Array(rank + 1);
    comm.Scatterv(rank === 0 ? [atRoot, counts, displs, MPI.INT] : null, [back, MPI.INT], 0);
    assert.deepEqual(Array.from(back), new Array(rank + 1).fill(rank), ctx("Scatterv typed"));
    // mpi4py's other v-forms: one count for every rank and a stride, a plain buffer or [buf, datatype] spread evenly
    const strided = new Int32Array(3 * size).fill(-1);
    comm.Allgatherv(new Int32Array([rank, rank]), [strided, 2, 3, MPI.INT]);
    assert.deepEqual(Array.from(strided), seqOf(size).flatMap((r) => [r, r, -1]), ctx("Allgatherv count and stride"));
    const spread = new Int32Array(size + 1); // size + 1 items: rank 0 gets two, the others one
    const mineSpread = new Int32Array(rank === 0 ? 2 : 1).fill(rank + 5);
    comm.Allgatherv(mineSpread, [spread, MPI.INT]);
    assert.deepEqual(Array.from(spread), [5, ...seqOf(size).map((r) => r + 5)], ctx("Allgatherv inferred counts"));
    // today's [buf, counts, displs] keeps working
    const plain = new Int32Array(total);
    comm.Allgatherv(mine, [plain, counts, displs]);
    assert.deepEqual(Array.from(plain), counts.flatMap((n, r) => new Array(n).fill(r)));
    // Alltoallv: one int to each rank, displs in items
    const sendv = Int32Array.from({ length: size }, (_, r) => rank * 100 + r);
    const recvv = new Int32Array(size);
    const ones = new Array<number>(size).fill(1), seq = Array.from({ length: size }, (_, r) => r);
    comm.Alltoallv([sendv, ones, seq, MPI.INT], [recvv, ones, seq, MPI.INT]);
    assert.deepEqual(Array.from(recvv), seq.map((r) => r * 100 + rank), ctx("Alltoallv typed"));
    // Alltoall of columns: rank r's column d goes to rank d's column r (a transpose of column blocks)
    const tw = Float64Array.from({ length: ROWS * size }, (_, k) => rank * 100 + (k % size) * 10 + Math.floor(k / size));
    const tr = new Float64Array(ROWS * size);
    comm.Alltoall([tw, 1, colOfWide], [tr, 1, colOfWide]);
    for (let r = 0; r < size; r++) {
      assert.deepEqual(Array.from({ length: ROWS }, (_, i) => tr[i * size + r]), Array.from({ length: ROWS }, (_, i) => r * 100 + rank * 10 + i), ctx(`Alltoall column ${r}`));
    }

    // reductions: typed specs of one predefined type work; a vector type is ERR_TYPE on every rank (no hang)
    const sumIn = new Uint8Array(new Int32Array([rank, 1]).buffer);
    const sumOut = new ArrayBuffer(8);
    comm.Allreduce([sumIn, MPI.INT], [sumOut, MPI.INT], MPI.SUM);
    assert.deepEqual(Array.from(new Int32Array(sumOut)), [(size * (size - 1)) / 2, size], ctx("Allreduce typed"));
    const contig2 = MPI.INT.Create_contiguous(2).Commit();
    const out2 = new Int32Array(2);
    comm.Allreduce([new Int32Array([rank, 2]), 1, contig2], [out2, 1, contig2], MPI.MAX);
    assert.deepEqual(Array.from(out2), [size - 1, 2]);
    expectError("ERR_TYPE", () => comm.Allreduce([grid(rank), 1, columnType], new Float64Array(ROWS), MPI.SUM), /reductions need a contiguous datatype/);
    expectError("ERR_TYPE", () => comm.Allreduce([new Float64Array(2), MPI.C_DOUBLE_COMPLEX], [new Float64Array(2), MPI.C_DOUBLE_COMPLEX], MPI.PROD), /C_DOUBLE_COMPLEX/);
    expectError("ERR_TYPE", () => comm.Bcast([grid(rank), 1, MPI.DOUBLE.Create_vector(2, 1, 2)], 0), /Bcast on rank .*not committed/);
    comm.Barrier();
  }
}
