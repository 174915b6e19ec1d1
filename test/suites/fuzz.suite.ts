// sizes: 1 2
/**
 * Argument fuzzing: every public method of API.md with wrong types and values. Each case must throw an MPIError
 * of a fitting class before anything is sent: after every case the ranks check that no stray message arrived
 * (a barrier, then iprobe for anything), and at the end a correct exchange must arrive intact. Collective cases
 * are made identically on every rank, and only with arguments every rank checks (the root-only arguments are
 * fuzzed on COMM_SELF, where every rank is the root), so a refusal never leaves a peer waiting. Prints a tally
 * and fails unless every case was clean.
 */
import assert from "node:assert/strict";
import { MPI } from "mpi4ts";

const world = MPI.COMM_WORLD;
const self = MPI.COMM_SELF;
const rank = world.rank, size = world.size;
const peer = (rank + 1) % size;

const tally = { tried: 0, clean: 0, wrongClass: 0, raw: 0, hang: 0, silent: 0 };
const problems: string[] = [];

/** `view` made over 8 fresh bytes, then its memory transferred away. */
function detached<V>(view: (memory: ArrayBuffer) => V): V {
  const memory = new ArrayBuffer(8);
  const v = view(memory);
  structuredClone(memory, { transfer: [memory] });
  return v;
}
const resizable = () => new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(16, { maxByteLength: 64 });
const proxy = new Proxy({ a: 1 }, {});
const throwingGetter = { get a(): number { throw new Error("getter ran"); } };
class Thing { x = 1; }
let deep: unknown = 0;
for (let i = 0; i < 100_000; i++) deep = [deep];

/** Wrong scalars for a rank, tag, root, color or count. */
const BAD_INTS: unknown[] = [
  "1", 1.5, NaN, Infinity, -Infinity, 2 ** 31, -5, null, [1], { a: 1 }, Symbol("s"), () => 1, 10n, proxy, new Thing(),
];
/** Wrong buffers: not buffers at all, or buffers whose memory is unusable. */
const BAD_BUFFERS: (() => unknown)[] = [
  () => [1, 2], () => "abc", () => 3, () => null, () => ({ length: 2 }), () => proxy,
  () => detached((m) => new Float64Array(m)), () => detached((m) => new Uint8Array(m)), () => detached((m) => m),
  () => detached((m) => new DataView(m)), () => detached((m) => new Float64Array(m, 8 - 8, 1)), () => new Float64Array(resizable()), () => resizable(),
];
/** Values the lowercase methods must refuse (structured clone refuses them). */
const BAD_VALUES: unknown[] = [
  () => 1, Symbol("x"), { nested: { fn() {} } }, [1, [2, Symbol("deep")]], proxy, { inner: proxy }, deep,
  new Map([[1, () => 2]]), new WeakMap(),
];

function show(x: unknown): string {
  try { return typeof x === "symbol" ? x.toString() : typeof x === "function" ? "function" : JSON.stringify(x)?.slice(0, 40) ?? String(x); } catch { return Object.prototype.toString.call(x); }
}

/** No message may be waiting anywhere: a refused call sent nothing. Collective over `world`. */
function nothingStray(label: string): void {
  world.Barrier();
  const status = new MPI.Status();
  while (world.iprobe(MPI.ANY_SOURCE, MPI.ANY_TAG, status)) {
    // Take the stray away (as a value, else as bytes) so the next case starts clean.
    let got: unknown;
    try { got = world.recv(status.source, status.tag); } catch { got = new Uint8Array(status.byteCount); world.Recv(got as Uint8Array, status.source, status.tag); }
    problems.push(`${label}: a stray message arrived from rank ${status.source} (${show(got)})`);
    tally.silent++;
  }
  world.Barrier();
}

function attempt(label: string, classes: readonly string[], run: () => unknown): void {
  tally.tried++;
  try {
    run();
    tally.silent++;
    problems.push(`${label}: accepted silently`);
  } catch (e) {
    if (e instanceof MPI.MPIError) {
      if (classes.includes(e.errorClass)) tally.clean++;
      else { tally.wrongClass++; problems.push(`${label}: ${e.errorClass}, expected ${classes.join("/")}: ${e.message}`); }
    } else {
      tally.raw++;
      problems.push(`${label}: raw ${String(e)}`);
    }
  }
  nothingStray(label);
}

const RANK = ["ERR_RANK"], TAG = ["ERR_TAG"], ARG = ["ERR_ARG"], BUF = ["ERR_BUFFER"];
const buf = () => new Float64Array(size);

// ---- point-to-point, lowercase and Capitalized -----------------------------------------------------------
for (const bad of BAD_INTS) {
  const b = show(bad) ?? String(bad);
  attempt(`send dest ${b}`, RANK, () => world.send(1, bad as number));
  attempt(`send tag ${b}`, TAG, () => world.send(1, peer, bad as number));
  attempt(`ssend dest ${b}`, RANK, () => world.ssend(1, bad as number));
  attempt(`isend dest ${b}`, RANK, () => world.isend(1, bad as number));
  attempt(`issend tag ${b}`, TAG, () => world.issend(1, peer, bad as number));
  attempt(`Send dest ${b}`, RANK, () => world.Send(buf(), bad as number));
  attempt(`Isend tag ${b}`, TAG, () => world.Isend(buf(), peer, bad as number));
  attempt(`Ssend tag ${b}`, TAG, () => world.Ssend(buf(), peer, bad as number));
  attempt(`recv tag ${b}`, TAG, () => world.recv(peer, bad as number));
  attempt(`irecv tag ${b}`, TAG, () => world.irecv(peer, bad as number));
  attempt(`probe tag ${b}`, TAG, () => world.probe(peer, bad as number));
  attempt(`iprobe tag ${b}`, TAG, () => world.iprobe(peer, bad as number));
  attempt(`Recv source ${b}`, [...RANK, ...ARG], () => world.Recv(buf(), bad as number));
  attempt(`Irecv tag ${b}`, TAG, () => world.Irecv(buf(), peer, bad as number));
  attempt(`Probe source ${b}`, [...RANK, ...ARG], () => world.Probe(bad as number));
  attempt(`Iprobe tag ${b}`, TAG, () => world.Iprobe(peer, bad as number));
  // sendrecv: a bad receive side must stop the send too.
  attempt(`sendrecv source ${b}`, [...RANK, ...ARG], () => world.sendrecv("x", peer, 0, bad as number));
  attempt(`sendrecv recvtag ${b}`, TAG, () => world.sendrecv("x", peer, 0, peer, bad as number));
  attempt(`sendrecv dest ${b}`, RANK, () => world.sendrecv("x", bad as number, 0, peer, 0));
  attempt(`Sendrecv source ${b}`, [...RANK, ...ARG], () => world.Sendrecv(buf(), peer, 0, buf(), bad as number, 0));
  attempt(`Sendrecv recvtag ${b}`, TAG, () => world.Sendrecv(buf(), peer, 0, buf(), peer, bad as number));
  attempt(`Sendrecv_replace recvtag ${b}`, TAG, () => world.Sendrecv_replace(buf(), peer, 0, peer, bad as number));
}
// Source position holding something object-like: never a wildcard.
for (const bad of [{}, [1], new Float64Array(2), new Uint8Array(2), new MPI.Status(), proxy, throwingGetter, { source: 0, colour: 1 }, new Thing()]) {
  attempt(`recv source ${show(bad)}`, ARG, () => world.recv(bad as number));
  attempt(`irecv source ${show(bad)}`, ARG, () => world.irecv(bad as number));
  attempt(`iprobe source ${show(bad)}`, ARG, () => world.iprobe(bad as number));
  attempt(`sendrecv source ${show(bad)}`, [...RANK, ...ARG], () => world.sendrecv(1, peer, 0, bad as number));
}
attempt("recv(options, tag)", ARG, () => world.recv({ source: peer }, 5));
attempt("probe(options, tag)", ARG, () => world.probe({ source: peer }, 5));
attempt("recv status not a Status", ARG, () => world.recv(peer, 0, {} as MPI.Status));
attempt("sendrecv status not a Status", ARG, () => world.sendrecv(1, peer, 0, peer, 0, "s" as unknown as MPI.Status));
for (const bad of BAD_BUFFERS) {
  const b = show(bad());
  attempt(`Send buf ${b}`, BUF, () => world.Send(bad() as Float64Array, peer));
  attempt(`Isend buf ${b}`, BUF, () => world.Isend(bad() as Float64Array, peer));
  attempt(`Recv buf ${b}`, BUF, () => world.Recv(bad() as Float64Array, peer));
  attempt(`Irecv buf ${b}`, BUF, () => world.Irecv(bad() as Float64Array, peer));
  attempt(`Sendrecv sendbuf ${b}`, BUF, () => world.Sendrecv(bad() as Float64Array, peer, 0, buf(), peer, 0));
  attempt(`Sendrecv recvbuf ${b}`, BUF, () => world.Sendrecv(buf(), peer, 0, bad() as Float64Array, peer, 0));
  attempt(`Sendrecv_replace buf ${b}`, BUF, () => world.Sendrecv_replace(bad() as Float64Array, peer, 0, peer, 0));
}
for (const bad of BAD_VALUES) {
  attempt(`send value ${show(bad)}`, ["ERR_TYPE"], () => world.send(bad, peer));
  attempt(`isend value ${show(bad)}`, ["ERR_TYPE"], () => world.isend(bad, peer));
  attempt(`sendrecv value ${show(bad)}`, ["ERR_TYPE"], () => world.sendrecv(bad, peer, 0, peer, 0));
  attempt(`send value with a throwing getter`, ["ERR_TYPE"], () => world.send(throwingGetter, peer));
}

// ---- collectives: arguments every rank checks, made identically on every rank -----------------------------
const ALL_ROOT = ["ERR_ROOT"];
for (const bad of BAD_INTS) {
  const b = show(bad) ?? String(bad);
  attempt(`bcast root ${b}`, ALL_ROOT, () => world.bcast(1, bad as number));
  attempt(`Bcast root ${b}`, ALL_ROOT, () => world.Bcast(buf(), bad as number));
  attempt(`Ibcast root ${b}`, ALL_ROOT, () => world.Ibcast(buf(), bad as number));
  attempt(`gather root ${b}`, ALL_ROOT, () => world.gather(1, bad as number));
  attempt(`scatter root ${b}`, ALL_ROOT, () => world.scatter([], bad as number));
  attempt(`reduce root ${b}`, ALL_ROOT, () => world.reduce(1, MPI.SUM, bad as number));
  attempt(`Reduce root ${b}`, ALL_ROOT, () => world.Reduce(buf(), buf(), MPI.SUM, bad as number));
  attempt(`Gather root ${b}`, ALL_ROOT, () => world.Gather(buf(), buf(), bad as number));
  attempt(`Scatter root ${b}`, ALL_ROOT, () => world.Scatter(buf(), buf(), bad as number));
  attempt(`allreduce op ${b}`, ["ERR_OP"], () => world.allreduce(1, bad as unknown as MPI.Op));
  attempt(`Allreduce op ${b}`, ["ERR_OP"], () => world.Allreduce(buf(), buf(), bad as unknown as MPI.Op));
  attempt(`scan op ${b}`, ["ERR_OP"], () => world.scan(1, bad as unknown as MPI.Op));
  attempt(`Split color ${b}`, ARG, () => world.Split(bad as number));
  if (bad !== -5) attempt(`Split key ${b}`, ARG, () => world.Split(0, bad as number));
}
attempt("Split color 2**32", ARG, () => world.Split(2 ** 32));
attempt("Split key 2**31", ARG, () => world.Split(0, 2 ** 31));
for (const bad of BAD_BUFFERS) {
  const b = show(bad());
  attempt(`Bcast buf ${b}`, BUF, () => world.Bcast(bad() as Float64Array));
  attempt(`Allreduce sendbuf ${b}`, BUF, () => world.Allreduce(bad() as Float64Array, buf()));
  attempt(`Allreduce recvbuf ${b}`, BUF, () => world.Allreduce(buf(), bad() as Float64Array));
  attempt(`Iallreduce sendbuf ${b}`, BUF, () => world.Iallreduce(bad() as Float64Array, buf()));
  attempt(`Allgather recvbuf ${b}`, BUF, () => world.Allgather(buf(), bad() as Float64Array));
  attempt(`Allgather sendbuf ${b}`, BUF, () => world.Allgather(bad() as Float64Array, buf()));
  attempt(`Alltoall sendbuf ${b}`, BUF, () => world.Alltoall(bad() as Float64Array, buf()));
  attempt(`Scan sendbuf ${b}`, BUF, () => world.Scan(bad() as Float64Array, buf()));
  attempt(`Exscan recvbuf ${b}`, BUF, () => world.Exscan(buf(), bad() as Float64Array));
  attempt(`Reduce_scatter_block sendbuf ${b}`, BUF, () => world.Reduce_scatter_block(bad() as Float64Array, new Float64Array(1)));
  attempt(`Allgatherv recvbuf ${b}`, [...BUF, ...ARG], () => world.Allgatherv(new Float64Array(1), [bad() as Float64Array, new Array(size).fill(1)]));
  attempt(`Alltoallv sendbuf ${b}`, [...BUF, ...ARG], () => world.Alltoallv([bad() as Float64Array, new Array(size).fill(1)], [buf(), new Array(size).fill(1)]));
  // Root-only arguments: on COMM_SELF every rank is the root.
  attempt(`Scatter sendbuf ${b} (COMM_SELF)`, BUF, () => self.Scatter(bad() as Float64Array, new Float64Array(1)));
  attempt(`Gather recvbuf ${b} (COMM_SELF)`, BUF, () => self.Gather(new Float64Array(1), bad() as Float64Array));
  attempt(`Scatterv sendbuf ${b} (COMM_SELF)`, [...BUF, ...ARG], () => self.Scatterv([bad() as Float64Array, [1]], new Float64Array(1)));
  attempt(`Gatherv recvbuf ${b} (COMM_SELF)`, [...BUF, ...ARG], () => self.Gatherv(new Float64Array(1), [bad() as Float64Array, [1]]));
  attempt(`Reduce recvbuf ${b} (COMM_SELF)`, BUF, () => self.Reduce(new Float64Array(1), bad() as Float64Array));
}
for (const bad of BAD_VALUES) {
  attempt(`allgather value ${show(bad)}`, ["ERR_TYPE"], () => world.allgather(bad));
  attempt(`alltoall value ${show(bad)}`, ["ERR_TYPE"], () => world.alltoall(new Array(size).fill(bad)));
  attempt(`bcast value ${show(bad)} (COMM_SELF)`, ["ERR_TYPE"], () => { if (size === 1) world.bcast(bad); else self.gather(bad); });
}
attempt("scatter seq not an array (COMM_SELF)", ARG, () => self.scatter("ab" as unknown as string[]));
attempt("alltoall seq not an array", ARG, () => world.alltoall({} as unknown as number[]));
attempt("alltoall seq too long", ["ERR_COUNT"], () => world.alltoall(new Array(size + 1).fill(0)));
if (size > 1) {
  // Blocks of whole elements: 2*size+1 doubles do not split into `size` blocks (their bytes would).
  const odd = () => new Float64Array(2 * size + 1);
  attempt("Alltoall odd element count", ["ERR_COUNT"], () => world.Alltoall(odd(), odd()));
  attempt("Ialltoall odd element count", ["ERR_COUNT"], () => world.Ialltoall(odd(), odd()));
  attempt("Allgather odd element count", ["ERR_COUNT"], () => world.Allgather(new Float64Array(2), odd()));
  attempt("Iallgather odd element count", ["ERR_COUNT"], () => world.Iallgather(new Float64Array(2), odd()));
}
for (const bad of [null, undefined, 1, "g", {}, [world]]) {
  attempt(`Create group ${show(bad)}`, ["ERR_GROUP"], () => world.Create(bad as unknown as MPI.Group));
  attempt(`Compare ${show(bad)}`, ["ERR_COMM"], () => world.Compare(bad as unknown as MPI.Comm));
  const g = world.Get_group();
  attempt(`Group.Compare ${show(bad)}`, ["ERR_GROUP"], () => g.Compare(bad as unknown as MPI.Group));
  attempt(`Group.Union static ${show(bad)}`, ["ERR_GROUP"], () => MPI.Group.Union(bad as unknown as MPI.Group, g));
  attempt(`Group.Intersection ${show(bad)}`, ["ERR_GROUP"], () => g.Intersection(bad as unknown as MPI.Group));
  // null/undefined: mpi4py's default (the group of COMM_WORLD)
  if (bad !== null && bad !== undefined) attempt(`Group.Translate_ranks ${show(bad)}`, ["ERR_GROUP"], () => g.Translate_ranks([0], bad as unknown as MPI.Group));
}
for (const bad of BAD_INTS) {
  const g = world.Get_group();
  attempt(`Group.Incl ${show(bad)}`, [...ARG, ...RANK], () => g.Incl([bad as number]));
  if (!Array.isArray(bad)) attempt(`Group.Excl ${show(bad)}`, [...ARG, ...RANK], () => g.Excl(bad as unknown as number[]));
  attempt(`Create_cart dims ${show(bad)}`, ["ERR_DIMS"], () => world.Create_cart([bad as number]));
  attempt(`Compute_dims nnodes ${show(bad)}`, [...ARG, "ERR_DIMS"], () => MPI.Compute_dims(bad as number, 2));
  attempt(`Compute_dims ndims ${show(bad)}`, ["ERR_DIMS"], () => MPI.Compute_dims(4, bad as number));
  if (typeof bad !== "string") attempt(`Set_name ${show(bad)}`, ARG, () => world.Dup().Set_name(bad as string));
}
attempt("Compute_dims(2**31, 2**31)", [...ARG, "ERR_DIMS"], () => MPI.Compute_dims(2 ** 31, 2 ** 31));
attempt("Compute_dims(2**31-1, 2**31-1)", ["ERR_DIMS"], () => MPI.Compute_dims(2 ** 31 - 1, 2 ** 31 - 1));
const cart = world.Create_cart([size], [true]);
for (const bad of BAD_INTS) {
  attempt(`Cart Get_coords ${show(bad)}`, RANK, () => cart.Get_coords(bad as number));
  // The grid is periodic: any integer coordinate wraps.
  if (!Number.isInteger(bad)) attempt(`Cart Get_cart_rank ${show(bad)}`, [...ARG, "ERR_DIMS", ...RANK], () => cart.Get_cart_rank([bad as number]));
  attempt(`Cart Shift direction ${show(bad)}`, ["ERR_DIMS"], () => cart.Shift(bad as number, 1));
  if (!Array.isArray(bad)) attempt(`Cart Sub ${show(bad)}`, ["ERR_DIMS"], () => cart.Sub(bad as unknown as boolean[]));
}
for (const bad of [null, "x", 1, {}, [1], [null], [world]]) {
  for (const [name, fn] of Object.entries({
    waitall: MPI.Request.waitall, waitany: MPI.Request.waitany, waitsome: MPI.Request.waitsome,
    testall: MPI.Request.testall, testany: MPI.Request.testany, testsome: MPI.Request.testsome,
  })) {
    attempt(`Request.${name} ${show(bad)}`, ARG, () => (fn as (r: unknown) => unknown)(bad));
  }
}
attempt("Request.testsome statuses not an array", ARG, () => MPI.Request.testsome([], "s" as unknown as MPI.Status[]));
for (const bad of [1, "f", null, {}, proxy]) attempt(`Op.Create ${show(bad)}`, ["ERR_OP"], () => MPI.Op.Create(bad as unknown as () => void));
attempt("COMM_NULL.send", ["ERR_COMM"], () => MPI.COMM_NULL.send(1, 0));
assert.equal(typeof MPI.Wtime(), "number");

// ---- a correct exchange after all that arrives intact ------------------------------------------------------
if (size > 1) {
  world.send({ round: "final", from: rank }, peer, 3);
  const got = world.recv((rank - 1 + size) % size, MPI.ANY_TAG);
  assert.deepEqual(got, { round: "final", from: (rank - 1 + size) % size });
}
nothingStray("final");

if (rank === 0) {
  console.log(`fuzz tally (${MPI.Get_library_version().split("\n")[0]}, ${size} rank${size === 1 ? "" : "s"}): tried ${tally.tried} / clean ${tally.clean} / wrong class ${tally.wrongClass} / raw exception ${tally.raw} / hang ${tally.hang} / silent ${tally.silent}`);
}
if (problems.length > 0) {
  console.error(`rank ${rank}:\n  ${problems.slice(0, 60).join("\n  ")}`);
  process.exit(1);
}
