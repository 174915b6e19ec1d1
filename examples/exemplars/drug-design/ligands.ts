/**
 * The drug-design screen's pieces, shared by its three versions: the ligands, their score (deliberately naive),
 * and how rankings combine. `scoreLigand` is registered as a task, so drug-design-pool.ts's workers can run it.
 */
import { exportTasks } from "mpi4ts/futures";
import { mulberry32 } from "../common.js";

/** A ranking: the best score and every ligand achieving it, sorted, without repeats. */
export interface Best {
  score: number;
  ligands: string[];
}

/** `count` random ligands of 2..maxLength letters; seeded, so every run screens the same ligands. */
export function makeLigands(count: number, maxLength: number, seed: number): string[] {
  const random = mulberry32(seed);
  const letters = "abcdefghijklmnopqrstuvwxyz";
  return Array.from({ length: count }, () => {
    const length = 2 + Math.floor(random() * (maxLength - 1)); // 2..maxLength
    let ligand = "";
    for (let k = 0; k < length; k++) ligand += letters[Math.floor(random() * letters.length)];
    return ligand;
  });
}

/**
 * Longest common subsequence of ligand[i..] and protein[j..], by plain
 * recursion. Exponential on purpose: it models a scoring function whose cost
 * depends strongly on the task.
 */
export function score(ligand: string, protein: string, i = 0, j = 0): number {
  if (i === ligand.length || j === protein.length) return 0;
  if (ligand[i] === protein[j]) return 1 + score(ligand, protein, i + 1, j + 1);
  return Math.max(score(ligand, protein, i + 1, j), score(ligand, protein, i, j + 1));
}

/** Combine rankings: keep the higher score; on a tie, merge the ligand lists. */
export function merge(a: Best, b: Best): Best {
  if (a.score !== b.score) return a.score > b.score ? a : b;
  return { score: a.score, ligands: [...new Set([...a.ligands, ...b.ligands])].sort() };
}

/** The ranking made of one scored ligand. */
export function single(ligand: string, s: number): Best {
  return { score: s, ligands: [ligand] };
}

export const NONE: Best = { score: -1, ligands: [] };

/** A pool task: one ligand's ranking. */
export function scoreLigand(ligand: string, protein: string): Best {
  return single(ligand, score(ligand, protein));
}
exportTasks(import.meta.url, { scoreLigand });
