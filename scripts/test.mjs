#!/usr/bin/env node
// Runs every test file (test/**/*.test.ts) with Node's test runner, TypeScript through tsx; arguments are
// substrings of the files to run, and --verbose for every test's outcome.
// Files run one at a time: each starts multi-rank jobs, and this machine class has 2 cores.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" ? [] : find(path);
    return name.endsWith(".test.ts") ? [path] : [];
  });
}
const args = process.argv.slice(2);
// A line per file and the failures in full by default; every test's name and outcome with --verbose.
const verbose = args.includes("--verbose");
const only = args.filter((a) => a !== "--verbose");
const files = find(join(root, "test"))
  .map((f) => relative(root, f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", `--test-reporter=${verbose ? "spec" : join(root, "scripts", "summary-reporter.mjs")}`, ...files], {
  cwd: root,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
