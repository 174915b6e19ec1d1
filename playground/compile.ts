/**
 * TypeScript to one ES module in the page, with esbuild's WebAssembly build (in a worker of its own, so the page
 * never waits on it). The program's imports of mpi4ts stay imports, of the runtime's URLs on this origin; its
 * relative imports (an exemplar's ../common.js) are fetched from the same origin; nothing else can be imported.
 */
import type * as Esbuild from "esbuild-wasm";
import { loadCatalog } from "./catalog.js";
import { RUNTIME_MODULES, siteUrl } from "./site.js";

export interface CompileError {
  /** The file's name, as the user knows it (ring.ts, common.ts). */
  readonly file: string;
  /** 1-based; 0 when the error has no place in a file. */
  readonly line: number;
  readonly column: number;
  readonly text: string;
  /** Whether the error is in the program being edited (its line can be marked in the editor). */
  readonly inProgram: boolean;
}

export type CompileResult = { readonly code: string } | { readonly errors: readonly CompileError[] };

// Node's modules that programs tend to import without the node: prefix, to give them the same clear refusal.
const NODE_BUILTINS = new Set(["fs", "fs/promises", "path", "os", "url", "util", "child_process", "worker_threads", "crypto", "events", "readline", "http", "net", "process", "stream", "buffer", "perf_hooks"]);

let compiler: Promise<typeof Esbuild> | undefined;

function loadCompiler(): Promise<typeof Esbuild> {
  compiler ??= (async () => {
    const esbuild = (await import(siteUrl("esbuild/browser.min.js").href)) as typeof Esbuild;
    await esbuild.initialize({ wasmURL: siteUrl("esbuild/esbuild.wasm").href, worker: true });
    return esbuild;
  })();
  return compiler;
}

/** Starts loading the compiler (a few MB) before the first Run needs it. */
export function preloadCompiler(): void {
  void loadCompiler().catch(() => { compiler = undefined; });
}

/** Compiles source, whose URL (real or not) is programUrl: relative imports resolve against it. */
export async function compileProgram(source: string, programUrl: string): Promise<CompileResult> {
  const esbuild = await loadCompiler();
  try {
    const result = await esbuild.build({
      entryPoints: [programUrl],
      bundle: true,
      write: false,
      format: "esm",
      target: "es2022",
      platform: "neutral",
      logLevel: "silent",
      plugins: [sameOriginModules(source, programUrl)],
    });
    return { code: result.outputFiles[0]!.text };
  } catch (e) {
    const failure = e as Partial<Esbuild.BuildFailure>;
    if (!Array.isArray(failure.errors)) throw e;
    return { errors: failure.errors.map((m) => describe(m, programUrl)) };
  }
}

function describe(message: Esbuild.Message, programUrl: string): CompileError {
  // esbuild names a plugin's file namespace:path.
  const file = (message.location?.file ?? "").replace(/^(program|same-origin):/, "");
  return {
    file: fileName(file || programUrl),
    line: message.location?.line ?? 0,
    column: (message.location?.column ?? 0) + 1,
    text: message.text,
    inProgram: file === "" || file === programUrl,
  };
}

export const fileName = (url: string): string => decodeURIComponent(url.slice(url.lastIndexOf("/") + 1));

function sameOriginModules(source: string, programUrl: string): Esbuild.Plugin {
  return {
    name: "mpi4ts-same-origin",
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if (args.kind === "entry-point") return { path: programUrl, namespace: "program" };
        const runtime = RUNTIME_MODULES[args.path];
        if (runtime) {
          // A module the build lacks would fail only later, in every rank at once.
          if (!(await loadCatalog()).runtime.includes(args.path)) return { errors: [{ text: `${args.path} is not in the browser runtime yet (npx mpi4ts run has it)` }] };
          return { path: runtime.href, external: true };
        }
        const node = args.path.startsWith("node:") ? args.path : NODE_BUILTINS.has(args.path) ? `node:${args.path}` : undefined;
        if (node) return { errors: [{ text: `${node} is not available in the browser (this program needs Node: npx mpi4ts run)` }] };
        if (!args.path.startsWith("./") && !args.path.startsWith("../")) {
          return { errors: [{ text: `cannot import "${args.path}" in the browser: only "mpi4ts", "mpi4ts/futures", "mpi4ts/pool" and relative files` }] };
        }
        // As `mpi4ts run` does: an import of ./x.js finds the TypeScript file x.ts.
        const url = new URL(args.path.replace(/\.js$/, ".ts").replace(/\.mjs$/, ".mts"), args.importer);
        if (url.origin !== location.origin) return { errors: [{ text: `cannot import ${url.href}: only files of this site` }] };
        return { path: url.href, namespace: "same-origin" };
      });
      build.onLoad({ filter: /.*/, namespace: "program" }, () => ({ contents: source, loader: "ts" }));
      build.onLoad({ filter: /.*/, namespace: "same-origin" }, async (args) => {
        const response = await fetch(args.path);
        if (!response.ok) return { errors: [{ text: `cannot load ${fileName(args.path)}: ${response.status} ${response.statusText}` }] };
        return { contents: await response.text(), loader: /\.m?js$/.test(args.path) ? "js" : "ts" };
      });
    },
  };
}
