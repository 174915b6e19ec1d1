/**
 * Process groups (MPI-4.0 §7.3): ordered sets of processes, kept as the world ranks of their members, so groups
 * of different communicators compare and combine directly. Group operations are local (no communication).
 */
import { CONGRUENT, IDENT, PROC_NULL, SIMILAR, UNDEFINED, UNEQUAL } from "./constants.js";
import { MPIError } from "./errors.js";
import { describe } from "./datatype.js";

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
    if (this.#freed) throw new MPIError("ERR_GROUP", `${call}: the group was freed`);
  }

  #other(call: string, g: unknown, name = "group"): Group {
    this.#check(call);
    if (!(g instanceof Group)) throw new MPIError("ERR_GROUP", `${call}: ${name} must be an MPI.Group, got ${describe(g)}`);
    g.#check(call);
    return g;
  }

  get size(): number { this.#check("Get_size"); return this.#members.length; }
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
  Incl(ranks: readonly number[]): Group {
    this.#check("Incl");
    return new Group(this.#ranks("Group.Incl", ranks).map((r) => this.#members[r]!), this.#me);
  }

  /** All members but those at `ranks`, in group order (MPI_Group_excl). */
  Excl(ranks: readonly number[]): Group {
    this.#check("Excl");
    const out = new Set(this.#ranks("Group.Excl", ranks));
    return new Group(this.#members.filter((_, i) => !out.has(i)), this.#me);
  }

  /** The ranks in `other` of the processes at `ranks` in this group (UNDEFINED where absent; PROC_NULL stays). */
  Translate_ranks(ranks: readonly number[] | null | undefined, other: Group): number[] {
    const g = this.#other("Group.Translate_ranks", other, "group2");
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
  static Translate_ranks(a: Group, ranks: readonly number[] | null, b: Group): number[] { return asGroup("Group.Translate_ranks", a).Translate_ranks(ranks, b); }

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

  /** Marks the group freed; later use is ERR_GROUP. */
  Free(): void {
    this.#check("Group.Free");
    this.#freed = true;
  }
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
