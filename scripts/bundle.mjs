#!/usr/bin/env node
// Bundles the runtime into a few files (dist/bundle/): every rank thread loads it at start-up, and loading
// three modules instead of thirty takes a rank noticeably less time. tsc's per-file dist/ still provides the
// type declarations. Packages (esbuild, the native addon's loader's dependencies) stay external.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const entryPoints = {
  index: "src/index.ts", rank: "src/local/rank.ts", main: "src/cli/main.ts",
  // mpi4ts/futures and mpi4ts/pool
  futures: "src/futures/index.ts", pool: "src/pool.ts",
  // the program each worker a PoolExecutor spawns runs (src/futures/dynamic.ts)
  "pool-worker": "src/futures/pool-worker.ts",
  // the launcher thread of a program started with plain node, at its first Spawn (src/engine/self.ts)
  launcher: "src/local/in-process.ts",
};

const node = await build({
  absWorkingDir: root,
  entryPoints,
  write: false,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: true,
  logLevel: "warning",
  outdir: join(root, "dist/bundle"),
});
writeAtomically(join(root, "dist/bundle"), entryPoints, node.outputFiles);

// The same runtime for web pages (dist/browser/, src/browser/index.ts): the local engine in Web Workers. Each
// node:X that mpi4ts imports is src/browser/node/X.ts there, and Node's globals come from globals.ts.
const browserEntryPoints = { mpi4ts: "src/browser/index.ts", rank: "src/browser/rank.ts", futures: "src/futures/index.ts", pool: "src/pool.ts" };
const nodeShims = {
  name: "node-shims",
  setup(b) {
    // The launcher's program compiler (esbuild) has no place in a page: src/browser/program.ts refuses instead.
    b.onResolve({ filter: /\/cli\/program\.js$/ }, () => ({ path: join(root, "src/browser/program.ts") }));
    b.onResolve({ filter: /^node:/ }, ({ path, importer }) => {
      const shim = join(root, "src/browser/node", `${path.slice(5)}.ts`);
      if (existsSync(shim)) return { path: shim };
      return { errors: [{ text: `${path} (imported by ${importer}) has no browser counterpart in src/browser/node/` }] };
    });
  },
};
const browser = await build({
  absWorkingDir: root,
  entryPoints: browserEntryPoints,
  write: false,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "browser",
  target: "chrome111",
  // Pages download it: minified, with names kept (errors and console.log show classes by name).
  minify: true,
  keepNames: true,
  inject: [join(root, "src/browser/node/globals.ts")],
  define: { MPI4TS_BUNDLED_VERSION: JSON.stringify(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version) },
  plugins: [nodeShims],
  sourcemap: true,
  logLevel: "warning",
  outdir: join(root, "dist/browser"),
});
writeAtomically(join(root, "dist/browser"), browserEntryPoints, browser.outputFiles);

// Jobs may start while this runs (a rebuild during a test run): every file appears whole (written aside, then
// renamed into place), the chunks before the entry files that import them, and the files of earlier builds go
// only after, so a program never finds a bundle missing or half written. Their removal keeps them out of the
// package.
function writeAtomically(outdir, entryPoints, outputFiles) {
  mkdirSync(outdir, { recursive: true });
  const entries = new Set(Object.keys(entryPoints).flatMap((name) => [`${name}.js`, `${name}.js.map`]));
  const files = [...outputFiles].sort((a, b) => Number(entries.has(basename(a.path))) - Number(entries.has(basename(b.path))));
  for (const file of files) {
    const aside = `${file.path}.${process.pid}.tmp`;
    writeFileSync(aside, file.contents);
    renameSync(aside, file.path);
  }
  const fresh = new Set(files.map((file) => basename(file.path)));
  for (const name of readdirSync(outdir)) if (!fresh.has(name)) rmSync(join(outdir, name), { force: true, recursive: true });
}
