/** The rank-aware suites (test/suites/*.suite.ts) and the sizes each runs at: its first line may say `// sizes: 2 4 8`. */
import { readFileSync, readdirSync } from "node:fs";
import { ROOT } from "./jobs.js";

const DEFAULT_SIZES = [1, 2, 3, 4, 8, 16];

/** The suites' paths from the project root, sorted. */
export function suiteFiles(): string[] {
  return readdirSync(`${ROOT}test/suites`).filter((f) => f.endsWith(".suite.ts")).sort().map((f) => `test/suites/${f}`);
}

export function suiteSizes(file: string): number[] {
  const first = readFileSync(`${ROOT}${file}`, "utf8").split("\n", 1)[0] ?? "";
  const m = /^\/\/\s*sizes:\s*([\d\s]+)/.exec(first);
  return m ? m[1]!.trim().split(/\s+/).map(Number) : DEFAULT_SIZES;
}
