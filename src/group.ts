/**
 * Process groups (MPI-4.0 §7.3): ordered sets of processes, kept as the world ranks of their members, so groups
 * of different communicators compare and combine directly. Group operations are local (no communication).
 */
import { type Inspect, inspectAs, inspectCustom } from "./inspect.js";
import { CONGRUENT, IDENT, PROC_NULL, SIMILAR, UNDEFINED, UNEQUAL } from "./constants.js";
import { MPIError } from "./errors.js";
import { describe } from "./datatype.js";
import { currentEngine } from "./engine/select.js";

export class Group {
  readonly #members: readonly number[];
  readonly #me: number;
  #freed = false;

  /** @internal Groups come from `comm.Get_group()` and the group operations. `me` is the caller's world rank. */
  constructor(worldRanks: readonly number[], me: number) {
    this.#members = Object.freeze([...worldRanks]);
    this.#me = me;
  }

  /** @internal The members' world ranks, in group order. */
  get worldRanks(): readonly number[] {
    this.#check("Group");
    return this.#members;
  }

  #check(call: string): void {
    if (this === GROUP_NULL) throw new MPIError("ERR_GROUP", `${call}: MPI_GROUP_NULL is not a group`);
    if (this.#freed) throw new MPIError("ERR_GROUP", `${call}: the group was freed`);
  }

  /** True for GROUP_NULL and freed groups (mpi4py: `group == MPI.GROUP_NULL`). */
  get isNull(): boolean { return this === GROUP_NULL || this.#freed; }

  #other(call: string, g: unknown, name = "group"): Group {
    this.#check(call);
    if (!(g instanceof Group)) throw new MPIError("ERR_GROUP", `${call}: ${name} must be an MPI.Group, got ${describe(g)}`);
    g.#check(call);
    return g;
  }

  get size(): number { this.#check("Get_size"); return this.#members.length; }

  [inspectCustom](_depth: number, options: object, inspect: Inspect): string {
    const fields = this.isNull ? { null: true } : { size: this.#members.length, rank: this.rank, worldRanks: this.#members };
    return inspectAs("Group", fields, options, inspect);
  }
  /** This process's rank in the group, or UNDEFINED when it is not a member. */
  get rank(): number {
    this.#check("Get_rank");
    const i = this.#members.indexOf(this.#me);
    return i < 0 ? UNDEFINED : i;
  }
  Get_size(): number { return this.size; }
  Get_rank(): number { return this.rank; }

  #ranks(call: string, ranks: unknown): number[] {
    if (!Array.isArray(ranks)) throw new MPIError("ERR_ARG", `${call}: ranks must be an array of group ranks, got ${describe(ranks)}`);
    const seen = new Set<number>();
    for (const r of ranks) {
      if (!Number.isInteger(r) || r < 0 || r >= this.#members.length) {
        throw new MPIError("ERR_RANK", `${call}: rank ${String(r)} is not in 0..${this.#members.length - 1} (group of size ${this.#members.length})`);
      }
      if (seen.has(r)) throw new MPIError("ERR_RANK", `${call}: rank ${r} appears twice`);
      seen.add(r);
    }
    return ranks as number[];
  }

  /** The members at `ranks`, in that order (MPI_Group_incl). */
  Incl(ranks: readonly number[]): Group { return this.#incl("Group.Incl", ranks); }

  #incl(call: string, ranks: unknown): Group {
    this.#check(call);
    return new Group(this.#ranks(call, ranks).map((r) => this.#members[r]!), this.#me);
  }

  /** All members but those at `ranks`, in group order (MPI_Group_excl). */
  Excl(ranks: readonly number[]): Group { return this.#excl("Group.Excl", ranks); }

  #excl(call: string, ranks: unknown): Group {
    this.#check(call);
    const out = new Set(this.#ranks(call, ranks));
    return new Group(this.#members.filter((_, i) => !out.has(i)), this.#me);
  }

  /**
   * The ranks in `other` of the processes at `ranks` in this group (UNDEFINED where absent; PROC_NULL stays).
   * As in mpi4py, `ranks` defaults to every rank of this group and `other` to COMM_WORLD's group.
   */
  Translate_ranks(ranks?: readonly number[] | null, other?: Group | null): number[] {
    const g = this.#other("Group.Translate_ranks", other ?? worldGroup(), "group2");
    const list = ranks ?? this.#members.map((_, i) => i);
    if (!Array.isArray(list)) throw new MPIError("ERR_ARG", `Group.Translate_ranks: ranks must be an array, got ${describe(list)}`);
    return list.map((r) => {
      if (r === PROC_NULL) return PROC_NULL;
      if (!Number.isInteger(r) || r < 0 || r >= this.#members.length) {
        throw new MPIError("ERR_RANK", `Group.Translate_ranks: rank ${String(r)} is not in 0..${this.#members.length - 1}`);
      }
      const i = g.#members.indexOf(this.#members[r]!);
      return i < 0 ? UNDEFINED : i;
    });
  }

  /** IDENT (same members, same order), SIMILAR (same members), or UNEQUAL (MPI_Group_compare). */
  Compare(other: Group): number {
    return compareRanks(this.#members, this.#other("Group.Compare", other).#members, IDENT);
  }

  /** Members of `a`, then those of `b` not in `a` (MPI_Group_union). Also `a.Union(b)`. */
  static Union(a: Group, b: Group): Group { return asGroup("Group.Union", a).Union(b); }
  /** Members of `a` that are in `b`, in `a`'s order. Also `a.Intersection(b)`. */
  static Intersection(a: Group, b: Group): Group { return asGroup("Group.Intersection", a).Intersection(b); }
  /** Members of `a` not in `b`, in `a`'s order. Also `a.Difference(b)`. */
  static Difference(a: Group, b: Group): Group { return asGroup("Group.Difference", a).Difference(b); }
  static Compare(a: Group, b: Group): number { return asGroup("Group.Compare", a).Compare(b); }
  static Translate_ranks(a: Group, ranks?: readonly number[] | null, b?: Group | null): number[] { return asGroup("Group.Translate_ranks", a).Translate_ranks(ranks, b); }
  /** mpi4py's alias of Intersection. */
  static Intersect(a: Group, b: Group): Group { return Group.Intersection(a, b); }

  /** `this ∪ other`; mpi4py's class-method form `g.Union(g1, g2)` works too. */
  Union(other: Group, second?: Group): Group {
    const [a, b] = second ? [this.#other("Group.Union", other), this.#other("Group.Union", second)] : [this, this.#other("Group.Union", other)];
    const inA = new Set(a.#members);
    return new Group([...a.#members, ...b.#members.filter((w) => !inA.has(w))], this.#me);
  }

  Intersection(other: Group, second?: Group): Group {
    const [a, b] = second ? [this.#other("Group.Intersection", other), this.#other("Group.Intersection", second)] : [this, this.#other("Group.Intersection", other)];
    const inB = new Set(b.#members);
    return new Group(a.#members.filter((w) => inB.has(w)), this.#me);
  }

  Difference(other: Group, second?: Group): Group {
    const [a, b] = second ? [this.#other("Group.Difference", other), this.#other("Group.Difference", second)] : [this, this.#other("Group.Difference", other)];
    const inB = new Set(b.#members);
    return new Group(a.#members.filter((w) => !inB.has(w)), this.#me);
  }

  /** The same members in the same order, as a new group (mpi4py's Dup: a union with GROUP_EMPTY). */
  Dup(): Group {
    this.#check("Group.Dup");
    return new Group(this.#members, this.#me);
  }

  /**
   * The members at the ranks of each `[first, last, stride]` triplet, in that order (MPI_Group_range_incl):
   * first, first + stride, ... while not past last. A zero stride, a rank outside the group or one named twice is
   * an error, as in MPI.
   */
  Range_incl(ranges: readonly (readonly [number, number, number])[]): Group {
    this.#check("Group.Range_incl");
    return this.#incl("Group.Range_incl", this.#expand("Group.Range_incl", ranges));
  }

  /** All members but those the triplets name, in group order (MPI_Group_range_excl). */
  Range_excl(ranges: readonly (readonly [number, number, number])[]): Group {
    this.#check("Group.Range_excl");
    return this.#excl("Group.Range_excl", this.#expand("Group.Range_excl", ranges));
  }

  #expand(call: string, ranges: unknown): number[] {
    if (!Array.isArray(ranges)) throw new MPIError("ERR_ARG", `${call}: ranges must be an array of [first, last, stride] triplets, got ${describe(ranges)}`);
    const out: number[] = [];
    for (const triplet of ranges as unknown[]) {
      if (!Array.isArray(triplet) || triplet.length !== 3 || !triplet.every((x) => Number.isInteger(x))) {
        throw new MPIError("ERR_ARG", `${call}: each range must be [first, last, stride] integers, got ${describe(triplet)}`);
      }
      const [first, last, stride] = triplet as [number, number, number];
      if (stride === 0) throw new MPIError("ERR_ARG", `${call}: range [${first}, ${last}, 0] has stride 0`);
      for (const end of [first, last]) {
        if (end < 0 || end >= this.#members.length) {
          throw new MPIError("ERR_RANK", `${call}: range [${first}, ${last}, ${stride}] names rank ${end}, not in 0..${this.#members.length - 1}`);
        }
      }
      for (let r = first; stride > 0 ? r <= last : r >= last; r += stride) out.push(r);
    }
    return out;
  }

  /** Marks the group freed; later use is ERR_GROUP. Freeing GROUP_EMPTY leaves it usable, as in mpi4py. */
  Free(): void {
    this.#check("Group.Free");
    if (this !== GROUP_EMPTY) this.#freed = true;
  }
}

/** The group of no process. */
export const GROUP_EMPTY: Group = new Group([], -1);
/** The null group: any use of it is ERR_GROUP. */
export const GROUP_NULL: Group = new Group([], -1);

function worldGroup(): Group {
  const world = currentEngine().world;
  return new Group(world.worldRanks, world.worldRanks[world.rank]!);
}

/** The first operand of the static group operations, refused as ERR_GROUP when it is not a Group. */
function asGroup(call: string, g: unknown): Group {
  if (!(g instanceof Group)) throw new MPIError("ERR_GROUP", `${call}: group1 must be an MPI.Group, got ${describe(g)}`);
  return g;
}

/** Compares two member lists: `same` for equal order, SIMILAR for the same set, else UNEQUAL. */
export function compareRanks(a: readonly number[], b: readonly number[], same: number = CONGRUENT): number {
  if (a.length !== b.length) return UNEQUAL;
  if (a.every((w, i) => w === b[i])) return same;
  const inA = new Set(a);
  return b.every((w) => inA.has(w)) ? SIMILAR : UNEQUAL;
}

/**
 * Why `group` cannot be used as a subgroup of `members` (world ranks) in Create, Create_group and an
 * intercommunicator's Create, or undefined: it must be a Group, of members only. `whose` names `members`.
 */
export function subgroupRefusal(group: unknown, members: readonly number[], whose: string): string | undefined {
  if (!(group instanceof Group)) return `group must be an MPI.Group, got ${describe(group)}`;
  const outsider = group.worldRanks.find((w) => !members.includes(w));
  return outsider === undefined ? undefined : `the group contains process ${outsider} (a world rank), which is not in ${whose}`;
}
