#!/usr/bin/env node
// Bundles the runtime into a few files (dist/bundle/): every rank thread loads it at start-up, and loading
// three modules instead of thirty takes a rank noticeably less time. tsc's per-file dist/ still provides the
// type declarations. Packages (esbuild, the native addon's loader's dependencies) stay external.
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const outdir = join(root, "dist/bundle");
const entryPoints = {
  index: "src/index.ts", rank: "src/local/rank.ts", main: "src/cli/main.ts",
  // mpi4ts/futures and mpi4ts/pool
  futures: "src/futures/index.ts", pool: "src/pool.ts",
  // the program each worker a PoolExecutor spawns runs (src/futures/dynamic.ts)
  "pool-worker": "src/futures/pool-worker.ts",
};

const result = await build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  write: false,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});

// Jobs may start while this runs (a rebuild during a test run): every file appears whole (written aside, then
// renamed into place), the chunks before the entry files that import them, and the files of earlier builds go
// only after, so a program never finds a bundle missing or half written. Their removal keeps them out of the
// package.
mkdirSync(outdir, { recursive: true });
const entries = new Set(Object.keys(entryPoints).flatMap((name) => [`${name}.js`, `${name}.js.map`]));
const files = [...result.outputFiles].sort((a, b) => Number(entries.has(basename(a.path))) - Number(entries.has(basename(b.path))));
for (const file of files) {
  const aside = `${file.path}.${process.pid}.tmp`;
  writeFileSync(aside, file.contents);
  renameSync(aside, file.path);
}
const fresh = new Set(files.map((file) => basename(file.path)));
for (const name of readdirSync(outdir)) if (!fresh.has(name)) rmSync(join(outdir, name), { force: true, recursive: true });
