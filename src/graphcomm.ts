/**
 * Graph topologies (MPI-4.0 §8.5.3, §8.5.4): `comm.Create_graph(index, edges)` (every rank gives the whole graph)
 * and the distributed graphs of `Create_dist_graph` (any rank gives any edges) and `Create_dist_graph_adjacent`
 * (each rank gives its own in- and out-neighbours). Ranks keep their order (reorder is accepted and ignored). Every
 * constructor checks its arguments on every rank and shares the verdict before creating anything, so a refusal on
 * one rank is an error on all of them, never a hang.
 */
import { COMM_NULL, type Comm, type EngineBinding } from "./comm.js";
import { MPIError } from "./errors.js";
import { describe } from "./datatype.js";
import { hooks } from "./collective/hooks.js";
import { handleErrorsOf } from "./errhandler.js";
import { infoRefusal } from "./info.js";
import { DIST_GRAPH, GRAPH, Topocomm, type Neighbourhood } from "./topocomm.js";
import { agree, graphRefusal } from "./topology.js";

/** Edge weights left out (MPI_UNWEIGHTED), and weights of a rank with no edges on that side (MPI_WEIGHTS_EMPTY). */
export const UNWEIGHTED: unique symbol = Symbol.for("mpi4ts.UNWEIGHTED");
export const WEIGHTS_EMPTY: unique symbol = Symbol.for("mpi4ts.WEIGHTS_EMPTY");
export type Weights = readonly number[] | typeof UNWEIGHTED | typeof WEIGHTS_EMPTY | null | undefined;

export class Graphcomm extends Topocomm {
  protected override inspectName(): string { return "Graphcomm"; }
  readonly #index: readonly number[];
  readonly #edges: readonly number[];
  #hood: Neighbourhood | undefined;

  /** @internal Made by `Create_graph`. */
  constructor(engineComm: EngineBinding, name: string, index: readonly number[], edges: readonly number[]) {
    super(engineComm, name);
    this.#index = Object.freeze([...index]);
    this.#edges = Object.freeze([...edges]);
  }

  override withEngine(engineComm: EngineBinding, name: string): this { return new Graphcomm(engineComm, name, this.#index, this.#edges) as this; }
  Get_topology(): number { this.engineComm("Get_topology"); return GRAPH; }

  /** `[nnodes, nedges]` (MPI_Graphdims_get). */
  Get_dims(): [number, number] { this.engineComm("Get_dims"); return [this.#index.length, this.#edges.length]; }
  get dims(): [number, number] { return this.Get_dims(); }
  get nnodes(): number { return this.Get_dims()[0]; }
  get nedges(): number { return this.Get_dims()[1]; }
  /** `[index, edges]` as given to Create_graph (MPI_Graph_get). */
  Get_topo(): [number[], number[]] { this.engineComm("Get_topo"); return [[...this.#index], [...this.#edges]]; }
  get topo(): [number[], number[]] { return this.Get_topo(); }
  get index(): number[] { return this.Get_topo()[0]; }
  get edges(): number[] { return this.Get_topo()[1]; }

  #range(call: string, rank: unknown): [number, number] {
    const size = this.engineComm(call).size;
    if (!Number.isInteger(rank) || (rank as number) < 0 || (rank as number) >= size) {
      throw new MPIError("ERR_RANK", `${this.where(call)}: rank ${String(rank)} is not in 0..${size - 1}`);
    }
    const r = rank as number;
    return [r === 0 ? 0 : this.#index[r - 1]!, this.#index[r]!];
  }

  Get_neighbors_count(rank: number): number { const [from, to] = this.#range("Get_neighbors_count", rank); return to - from; }
  /** The neighbours of `rank`, in the order of `edges` (MPI_Graph_neighbors). */
  Get_neighbors(rank: number): number[] { const [from, to] = this.#range("Get_neighbors", rank); return this.#edges.slice(from, to); }
  get nneighbors(): number { return this.Get_neighbors_count(this.rank); }
  get neighbors(): number[] { return this.Get_neighbors(this.rank); }

  /** @internal A graph rank sends to and receives from its neighbours; that takes an edge back for every edge. */
  neighbourhood(): Neighbourhood {
    if (this.#hood) return this.#hood;
    const mine = this.neighbors;
    const refusal = symmetric(this.#index, this.#edges)
      ? undefined
      : "the graph is not symmetric (some edge a-b has no b-a), so its neighbourhood collectives could never complete; use Create_dist_graph for directed graphs";
    return (this.#hood = { sources: mine, destinations: mine, sendOrder: mine.map((_, j) => j), refusal });
  }

  /** A graph has no PROC_NULL neighbour: every entry is a value. */
  override neighbor_allgather<T>(obj: T): T[] { return super.neighbor_allgather(obj) as T[]; }
  override neighbor_alltoall<T>(seq: readonly T[]): T[] { return super.neighbor_alltoall(seq) as T[]; }
}

/** Every edge a-b has as many b-a (multigraphs count each). */
function symmetric(index: readonly number[], edges: readonly number[]): boolean {
  const count = new Map<string, number>();
  for (let a = 0, at = 0; a < index.length; a++) {
    for (; at < index[a]!; at++) {
      const b = edges[at]!, key = a < b ? `${a} ${b}` : `${b} ${a}`;
      if (a !== b) count.set(key, (count.get(key) ?? 0) + (a < b ? 1 : -1));
    }
  }
  return [...count.values()].every((n) => n === 0);
}

export class Distgraphcomm extends Topocomm {
  protected override inspectName(): string { return "Distgraphcomm"; }
  readonly #hood: Neighbourhood;
  readonly #weights: readonly [readonly number[], readonly number[]] | undefined;

  /** @internal Made by `Create_dist_graph` and `Create_dist_graph_adjacent`. */
  constructor(engineComm: EngineBinding, name: string, sources: readonly number[], destinations: readonly number[], weights: readonly [readonly number[], readonly number[]] | undefined) {
    super(engineComm, name);
    this.#hood = Object.freeze({ sources: Object.freeze([...sources]), destinations: Object.freeze([...destinations]), sendOrder: Object.freeze(destinations.map((_, j) => j)) });
    this.#weights = weights && [Object.freeze([...weights[0]]), Object.freeze([...weights[1]])];
  }

  override withEngine(engineComm: EngineBinding, name: string): this {
    return new Distgraphcomm(engineComm, name, this.#hood.sources, this.#hood.destinations, this.#weights) as this;
  }
  Get_topology(): number { this.engineComm("Get_topology"); return DIST_GRAPH; }
  /** @internal */
  neighbourhood(): Neighbourhood { return this.#hood; }

  /** `[indegree, outdegree, weighted]` (MPI_Dist_graph_neighbors_count). */
  Get_dist_neighbors_count(): [number, number, boolean] {
    this.engineComm("Get_dist_neighbors_count");
    return [this.#hood.sources.length, this.#hood.destinations.length, this.#weights !== undefined];
  }
  /** `[sources, destinations, [sourceweights, destweights]]`, the weights undefined when unweighted (mpi4py's None). */
  Get_dist_neighbors(): [number[], number[], [number[], number[]] | undefined] {
    this.engineComm("Get_dist_neighbors");
    const w = this.#weights;
    return [[...this.#hood.sources], [...this.#hood.destinations], w && [[...w[0]], [...w[1]]]];
  }

  override neighbor_allgather<T>(obj: T): T[] { return super.neighbor_allgather(obj) as T[]; }
  override neighbor_alltoall<T>(seq: readonly T[]): T[] { return super.neighbor_alltoall(seq) as T[]; }
}

handleErrorsOf(Graphcomm);
handleErrorsOf(Distgraphcomm);

// ---- constructors ----------------------------------------------------------------------------------------

function createGraph(comm: Comm, index: readonly number[], edges: readonly number[], reorder: boolean): Comm {
  const call = "Create_graph";
  const c = comm.engineComm(call);
  void reorder;
  // Every rank must give the same graph (MPI requires it); one that did not would wait for other neighbours.
  agree(comm, call, graphRefusal(c.size, index, edges), "ERR_TOPOLOGY", `index [${String(index)}], edges [${String(edges)}]`);
  const sub = c.split(c.rank < index.length ? 0 : -1, c.rank);
  return sub ? new Graphcomm(sub, `${comm.name}_graph`, index, edges) : COMM_NULL;
}

/** Ranks of the communicator (no PROC_NULL in a distributed graph), or why not. */
function ranksRefusal(name: string, ranks: unknown, size: number): string | undefined {
  if (!Array.isArray(ranks)) return `${name} must be an array of ranks, got ${describe(ranks)}`;
  const bad = ranks.findIndex((r) => !Number.isInteger(r) || r < 0 || r >= size);
  return bad < 0 ? undefined : `${name}[${bad}] = ${String(ranks[bad])} is not a rank in 0..${size - 1}`;
}

/** Weights for `n` edges as an array (undefined: unweighted), or a refusal. */
function weightsOf(name: string, weights: unknown, n: number): { weights?: number[]; refusal?: string } {
  if (weights === undefined || weights === null || weights === UNWEIGHTED) return {};
  if (weights === WEIGHTS_EMPTY) return n === 0 ? { weights: [] } : { refusal: `${name} is WEIGHTS_EMPTY but there are ${n} edges` };
  if (!Array.isArray(weights) || weights.length !== n || !weights.every((w) => Number.isInteger(w) && w >= 0)) {
    return { refusal: `${name} must be UNWEIGHTED or an array of ${n} non-negative integers (one per edge), got ${describe(weights)}` };
  }
  return { weights: [...weights] };
}

function createDistGraphAdjacent(comm: Comm, sources: readonly number[], destinations: readonly number[], sourceweights: unknown, destweights: unknown, info: unknown, reorder: boolean): Comm {
  const call = "Create_dist_graph_adjacent";
  const c = comm.engineComm(call);
  void reorder;
  const sw = weightsOf("sourceweights", sourceweights, Array.isArray(sources) ? sources.length : 0);
  const dw = weightsOf("destweights", destweights, Array.isArray(destinations) ? destinations.length : 0);
  let refusal = ranksRefusal("sources", sources, c.size) ?? ranksRefusal("destinations", destinations, c.size) ?? sw.refusal ?? dw.refusal ?? infoRefusal(info);
  if (refusal === undefined && (sw.weights === undefined) !== (dw.weights === undefined)) refusal = "sourceweights and destweights must both be given or both be UNWEIGHTED";
  // Each rank tells every other how often it lists it on each side; the other side must list it as often.
  const tally = (list: readonly number[]) => { const n = new Array<number>(c.size).fill(0); for (const r of list) n[r]!++; return n; };
  const asSource = refusal === undefined ? tally(sources) : [], asDest = refusal === undefined ? tally(destinations) : [];
  const told = comm.alltoall(Array.from({ length: c.size }, (_, r) => (refusal === undefined ? [asDest[r]!, asSource[r]!] : null)));
  if (refusal === undefined) {
    const p = told.findIndex((t, r) => t !== null && (t[0] !== asSource[r] || t[1] !== asDest[r]));
    if (p >= 0) {
      refusal = `rank ${p} lists this rank ${told[p]![0]} time(s) as a destination and ${told[p]![1]} as a source, ` +
        `but this rank lists rank ${p} ${asSource[p]} time(s) as a source and ${asDest[p]} as a destination; the edges must agree`;
    }
  }
  agree(comm, call, refusal, "ERR_TOPOLOGY");
  const weights = sw.weights && dw.weights ? [sw.weights, dw.weights] as const : undefined;
  return new Distgraphcomm(c.dup(), `${comm.name}_dist_graph`, sources, destinations, weights);
}

function createDistGraph(comm: Comm, sources: readonly number[], degrees: readonly number[], destinations: readonly number[], weights: unknown, info: unknown, reorder: boolean): Comm {
  const call = "Create_dist_graph";
  const c = comm.engineComm(call);
  void reorder;
  let refusal = ranksRefusal("sources", sources, c.size);
  if (refusal === undefined && (!Array.isArray(degrees) || degrees.length !== sources.length || !degrees.every((d) => Number.isInteger(d) && d >= 0))) {
    refusal = `degrees must be an array of ${sources.length} non-negative integers (one per source), got ${describe(degrees)}`;
  }
  const nedges = refusal === undefined ? degrees.reduce((a, b) => a + b, 0) : 0;
  refusal ??= ranksRefusal("destinations", destinations, c.size);
  if (refusal === undefined && destinations.length !== nedges) refusal = `destinations has ${destinations.length} entries but degrees add up to ${nedges}`;
  const w = weightsOf("weights", weights, nedges);
  refusal ??= w.refusal ?? infoRefusal(info);
  // To each rank: the edges given here that leave it ([dest, weight]...) and that enter it ([source, weight]...).
  const outOf = Array.from({ length: c.size }, () => [] as number[]), into = Array.from({ length: c.size }, () => [] as number[]);
  if (refusal === undefined) {
    let at = 0;
    sources.forEach((s, i) => {
      for (let k = 0; k < degrees[i]!; k++, at++) {
        const d = destinations[at]!, weight = w.weights?.[at] ?? 1;
        outOf[s]!.push(d, weight);
        into[d]!.push(s, weight);
      }
    });
  }
  const weighted = w.weights !== undefined;
  const told = comm.alltoall(Array.from({ length: c.size }, (_, r) => (refusal === undefined ? { out: outOf[r]!, in: into[r]!, weighted } : { refusal })));
  // Every rank hears every rank's verdict here, so all of them throw together.
  const refused = told.findIndex((t) => "refusal" in t);
  if (refusal !== undefined) throw new MPIError("ERR_TOPOLOGY", `${comm.where(call)}: ${refusal}`);
  if (refused >= 0) {
    throw new MPIError("ERR_TOPOLOGY", `${comm.where(call)}: rank ${refused} refused its arguments (${(told[refused] as { refusal: string }).refusal}); no rank created the communicator`);
  }
  const edges = told as { out: number[]; in: number[]; weighted: boolean }[];
  const pairs = (lists: number[][]) => ({ ranks: lists.flatMap((l) => l.filter((_, i) => i % 2 === 0)), weights: lists.flatMap((l) => l.filter((_, i) => i % 2 === 1)) });
  const ins = pairs(edges.map((e) => e.in)), outs = pairs(edges.map((e) => e.out));
  const anyWeighted = edges.some((e) => e.weighted);
  return new Distgraphcomm(c.dup(), `${comm.name}_dist_graph`, ins.ranks, outs.ranks, anyWeighted ? [ins.weights, outs.weights] : undefined);
}

hooks.createGraph = createGraph;
hooks.createDistGraph = createDistGraph;
hooks.createDistGraphAdjacent = createDistGraphAdjacent;
