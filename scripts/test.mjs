#!/usr/bin/env node
// Runs every test file (test/**/*.test.ts) with Node's test runner, TypeScript through tsx.
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
const only = process.argv.slice(2);
const files = find(join(root, "test"))
  .map((f) => relative(root, f))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
const result = spawnSync(process.execPath, ["--import", "tsx", "--test", "--test-concurrency=1", ...files], {
  cwd: root,
  stdio: "inherit",
});
process.exit(result.status ?? 1);
