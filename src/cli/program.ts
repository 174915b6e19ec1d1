/**
 * Turns the user's program file into a module URL every rank can import. JavaScript runs as it is; TypeScript is
 * bundled once here with esbuild (DESIGN.md §2: one transpile in the launcher instead of a TS loader in every
 * rank). Packages stay outside the bundle, pinned to the files they resolve to from the program's folder, and
 * `import.meta.url`/`dirname`/`filename` keep naming the original source files.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { builtinModules } from "node:module";
import { basename, dirname, extname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Plugin } from "esbuild";

export class ProgramError extends Error {}

const JS = new Set([".js", ".mjs", ".cjs"]);
const TS = new Set([".ts", ".mts", ".cts", ".tsx"]);

export interface PreparedProgram {
  /** The program's absolute path, for process.argv[1]. */
  path: string;
  /** What each rank imports. */
  url: string;
}

/** Checks at once that the program exists and is of a kind we run; returns its absolute path. */
export function locateProgram(file: string): string {
  const path = resolve(file);
  if (!existsSync(path)) throw new ProgramError(`program not found: ${file}`);
  if (!statSync(path).isFile()) throw new ProgramError(`not a file: ${file}`);
  const ext = extname(path);
  if (!JS.has(ext) && !TS.has(ext)) throw new ProgramError(`cannot run ${file}: expected a .ts, .mts, .js or .mjs file`);
  return path;
}

/** The URL to import for a located program: compiling TypeScript can take a moment, so callers overlap it. */
export async function compileProgram(path: string): Promise<string> {
  return JS.has(extname(path)) ? pathToFileURL(path).href : bundle(path);
}

export async function prepareProgram(file: string): Promise<PreparedProgram> {
  const path = locateProgram(file);
  return { path, url: await compileProgram(path) };
}

async function bundle(entry: string): Promise<string> {
  const { build } = await import("esbuild");
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: "esm",
      platform: "node",
      target: "node20",
      sourcemap: "inline",
      sourcesContent: false,
      // Source paths in the map are relative to the entry's folder, wherever the bundle is written.
      absWorkingDir: dirname(entry),
      outfile: join(dirname(entry), "bundle.mjs"),
      sourceRoot: `${pathToFileURL(dirname(entry)).href}/`,
      logLevel: "silent",
      plugins: [keepPackagesOutside, keepSourceLocations],
    });
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors;
    const detail = errors?.map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text)).join("\n");
    throw new ProgramError(`cannot compile ${entry}:\n${detail ?? String(e)}`);
  }
  // A file, not a data: URL, so that stack traces and source maps name the user's own files.
  const dir = mkdtempSync(join(tmpdir(), "mpi4ts-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, `${basename(entry).replace(/\.[^.]+$/, "")}.mjs`);
  writeFileSync(out, result.outputFiles[0]!.contents);
  return pathToFileURL(out).href;
}

const builtins = new Set(builtinModules);

/** Bare imports become absolute file URLs, resolved from the importing file, and are loaded by Node itself. */
const keepPackagesOutside: Plugin = {
  name: "mpi4ts-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === "inner") return undefined;
      if (args.path.startsWith("node:") || builtins.has(args.path) || builtins.has(args.path.split("/")[0]!)) {
        return { path: args.path, external: true };
      }
      const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: "inner" });
      if (found.errors.length > 0) return { errors: found.errors };
      return { path: pathToFileURL(found.path).href, external: true };
    });
  },
};

/** Each bundled file keeps its own import.meta.url, dirname and filename. */
const keepSourceLocations: Plugin = {
  name: "mpi4ts-import-meta",
  setup(build) {
    build.onLoad({ filter: /\.(m|c)?[jt]sx?$/ }, (args) => {
      if (args.path.includes("/node_modules/")) return undefined;
      const source = readFileSync(args.path, "utf8");
      const contents = source.includes("import.meta")
        ? source
          .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
          .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path))
          .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(dirname(args.path)))
        : source;
      const ext = extname(args.path);
      const loader = ext.endsWith("x") ? (ext.includes("t") ? "tsx" : "jsx") : ext.includes("t") ? "ts" : "js";
      return { contents, loader };
    });
  },
};
