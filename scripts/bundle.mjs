#!/usr/bin/env node
// Bundles the runtime into a few files (dist/bundle/): every rank thread loads it at start-up, and loading
// three modules instead of thirty takes a rank noticeably less time. tsc's per-file dist/ still provides the
// type declarations. Packages (esbuild, the native addon's loader's dependencies) stay external.
import { rmSync } from "node:fs";
import { build } from "esbuild";

// A fresh directory: chunks of earlier builds would otherwise stay and be packed.
rmSync(new URL("../dist/bundle", import.meta.url), { recursive: true, force: true });

await build({
  absWorkingDir: new URL("..", import.meta.url).pathname,
  entryPoints: {
    index: "src/index.ts", rank: "src/local/rank.ts", main: "src/cli/main.ts",
    // mpi4ts/futures and mpi4ts/pool
    futures: "src/futures/index.ts", pool: "src/pool.ts",
    // the program each worker a PoolExecutor spawns runs (src/futures/dynamic.ts)
    "pool-worker": "src/futures/pool-worker.ts",
  },
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
});
