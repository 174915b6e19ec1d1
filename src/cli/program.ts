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
import { type Compiled, cachedProgram, sha256 } from "./program-cache.js";

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

/**
 * The URL to import for a located program: compiling TypeScript can take a moment, so callers overlap it.
 * `importedOnce`: only this process imports it, so the compiled file deletes itself as it starts running; an MPI
 * rank may end by MPI_Abort or a signal, which run no exit handler, and must not leave it behind.
 */
export async function compileProgram(path: string, importedOnce = false): Promise<string> {
  return JS.has(extname(path)) ? pathToFileURL(path).href : bundle(path, importedOnce);
}

export async function prepareProgram(file: string, importedOnce = false): Promise<PreparedProgram> {
  const path = locateProgram(file);
  return { path, url: await compileProgram(path, importedOnce) };
}

async function bundle(entry: string, importedOnce: boolean): Promise<string> {
  const salt = `${BUNDLE_FORMAT}\0${process.version}`;
  const cached = await cachedProgram(entry, salt, () => compile(entry, ""));
  return cached ?? bundleIntoTemporary(entry, importedOnce);
}

/** Bumped whenever the bundle's settings change, so that no older compiled program is used. */
const BUNDLE_FORMAT = "mpi4ts-bundle-1";

/** Without a writable cache: a temporary file per launcher (or per rank, deleting itself as it starts). */
async function bundleIntoTemporary(entry: string, importedOnce: boolean): Promise<string> {
  // A file, not a data: URL, so that stack traces and source maps name the user's own files.
  const dir = mkdtempSync(join(tmpdir(), "mpi4ts-"));
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  process.once("exit", removeDir);
  // Node has read and parsed the file (and its source map) before its first statement runs.
  const selfRemoval = `import { rmSync as __mpi4tsRemove } from "node:fs"; __mpi4tsRemove(${JSON.stringify(dir)}, { recursive: true, force: true });`;
  let compiled: Compiled;
  try {
    compiled = await compile(entry, importedOnce ? selfRemoval : "");
  } catch (e) {
    removeDir();
    throw e;
  }
  const out = join(dir, `${basename(entry).replace(/\.[^.]+$/, "")}.mjs`);
  writeFileSync(out, compiled.code);
  return pathToFileURL(out).href;
}

/** Bundles `entry` (an ES module with `banner` first), and lists the files it was built from. */
async function compile(entry: string, banner: string): Promise<Compiled> {
  const { build } = await import("esbuild");
  const read = new Map<string, string>();
  const workingDir = dirname(entry);
  let result;
  try {
    result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      metafile: true,
      format: "esm",
      platform: "node",
      target: "node20",
      sourcemap: "inline",
      sourcesContent: false,
      // Source paths in the map are relative to the entry's folder, wherever the bundle is written.
      absWorkingDir: workingDir,
      outfile: join(workingDir, "bundle.mjs"),
      sourceRoot: `${pathToFileURL(workingDir).href}/`,
      logLevel: "silent",
      define: sourceLocationDefines,
      banner: { js: `${requireForBundle}${banner}` },
      plugins: [keepPackagesOutside(read), keepSourceLocations(read)],
    });
  } catch (e) {
    const errors = (e as { errors?: { text: string; location?: { file: string; line: number; column: number } }[] }).errors;
    const detail = errors?.map((m) => (m.location ? `${m.location.file}:${m.location.line}:${m.location.column}: ${m.text}` : m.text)).join("\n");
    throw new ProgramError(`cannot compile ${entry}:\n${detail ?? String(e)}`);
  }
  // Files esbuild loaded by itself (JSON, text) are hashed as they are now.
  for (const input of Object.keys(result.metafile.inputs)) {
    const path = resolve(workingDir, input);
    if (!read.has(path)) read.set(path, sha256(readFileSync(path)));
  }
  const inputs = [...read.entries()];
  return { code: result.outputFiles[0]!.contents, inputs };
}

const builtins = new Set(builtinModules);

/**
 * A `require` for the bundle, which is an ES module: esbuild turns `require(...)` calls into its own helper, which
 * uses a `require` in scope when there is one. Node 20.19+ can require ES modules (mpi4ts itself is one).
 */
const requireForBundle = `import { createRequire as __mpi4tsCreateRequire } from "node:module"; var require = __mpi4tsCreateRequire(import.meta.url);`;

/**
 * Bare imports become absolute file URLs, resolved from the importing file, and are loaded by Node itself. The
 * files they resolve to count as inputs (a package reinstalled or moved invalidates a cached program).
 */
const keepPackagesOutside = (read: Map<string, string>): Plugin => ({
  name: "mpi4ts-packages",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === "inner") return undefined;
      if (args.path.startsWith("node:") || builtins.has(args.path) || builtins.has(args.path.split("/")[0]!)) {
        return { path: args.path, external: true };
      }
      const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: "inner" });
      if (found.errors.length > 0) return { errors: found.errors };
      if (!read.has(found.path)) read.set(found.path, sha256(readFileSync(found.path)));
      // import takes a URL; require takes a path
      return { path: args.kind === "require-call" ? found.path : pathToFileURL(found.path).href, external: true };
    });
  },
});

/**
 * Each bundled file keeps its own import.meta.url, dirname and filename: esbuild's parser replaces these
 * expressions (`define`, never text inside strings or comments) by the fields of a variable that every such file
 * declares for itself (esbuild keeps each module's top-level names apart). The declaration goes in front of the
 * file's first line, after a shebang, so every other line keeps its number in stack traces.
 */
const SOURCE_LOCATION = "__mpi4tsSourceLocation";
const sourceLocationDefines = Object.fromEntries(["url", "filename", "dirname"].map((field) => [`import.meta.${field}`, `${SOURCE_LOCATION}.${field}`]));

const keepSourceLocations = (read: Map<string, string>): Plugin => ({
  name: "mpi4ts-import-meta",
  setup(build) {
    build.onLoad({ filter: /\.(m|c)?[jt]sx?$/ }, (args) => {
      const bytes = readFileSync(args.path);
      read.set(args.path, sha256(bytes));
      const source = bytes.toString("utf8");
      let contents = source;
      if (source.includes("import.meta")) {
        const location = { url: pathToFileURL(args.path).href, filename: args.path, dirname: dirname(args.path) };
        const at = source.startsWith("#!") ? source.indexOf("\n") + 1 : 0;
        contents = `${source.slice(0, at)}var ${SOURCE_LOCATION} = ${JSON.stringify(location)};${source.slice(at)}`;
      }
      const ext = extname(args.path);
      const loader = ext.endsWith("x") ? (ext.includes("t") ? "tsx" : "jsx") : ext.includes("t") ? "ts" : "js";
      return { contents, loader };
    });
  },
});
