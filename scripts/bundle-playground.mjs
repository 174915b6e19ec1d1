#!/usr/bin/env node
// Bundles the browser playground (playground/) into dist/playground/: the page's and the element's scripts with
// the editor (CodeMirror) inside them, so nothing of it is fetched from a package at run time; the page; the
// catalog (catalog.json: the menu, read from the examples' sources, and which runtime modules this build has). The compiler (esbuild-wasm) and the examples
// themselves are served from where they are (src/cli/playground-site.ts).
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { playgroundCatalog } from "./playground-catalog.mjs";

const root = new URL("..", import.meta.url).pathname;
const outdir = join(root, "dist/playground");

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { playground: "playground/page.ts", element: "playground/element.ts" },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  minify: true,
  legalComments: "linked",
  logLevel: "warning",
});
// index.html is the playground; embed.html shows (and tests) the element the way a course page holds it.
for (const page of ["index.html", "embed.html"]) copyFileSync(join(root, "playground", page), join(outdir, page));
writeFileSync(join(outdir, "catalog.json"), `${JSON.stringify(playgroundCatalog(root), null, 1)}\n`);
