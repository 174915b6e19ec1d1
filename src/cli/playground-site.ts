/**
 * The playground's files: which folders it consists of, under which URL prefixes, and how a request's path maps
 * to one file inside them and never outside. The server (playground.ts) and `--build` (playground-build.ts) both
 * go through here, so a static site holds exactly what the server would answer.
 */
import { realpathSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, extname, join, sep } from "node:path";
import { packageRoot } from "../native/load.js";

export interface Mount {
  /** The URL's first path segment ("" for the page itself, at the site's root). */
  readonly prefix: string;
  readonly dir: string;
  /** When set, the only files served from dir: URL name → path inside dir. */
  readonly only?: Readonly<Record<string, string>>;
}

/** What the playground serves: its page, the browser runtime, esbuild's wasm compiler, the examples. */
export function playgroundMounts(root: string = packageRoot()): Mount[] {
  // The compiler is our dependency: wherever npm put it (hoisted or not), never a path guessed from ours.
  const esbuildWasm = dirname(createRequire(import.meta.url).resolve("esbuild-wasm/package.json"));
  return [
    { prefix: "", dir: join(root, "dist/playground") },
    { prefix: "browser", dir: join(root, "dist/browser") },
    { prefix: "esbuild", dir: esbuildWasm, only: { "esbuild.wasm": "esbuild.wasm", "browser.min.js": "esm/browser.min.js" } },
    { prefix: "examples", dir: join(root, "examples") },
  ];
}

/**
 * The file a URL path (a request's target, query included) names, or undefined for anything that is not one of
 * the playground's regular files: a path that is not plain ("//host", "..", "%2e%2e", a backslash, a NUL, a
 * dotfile), a missing file, a folder, or a symlink that leads out of its mount.
 */
export function resolveRequest(mounts: readonly Mount[], target: string): string | undefined {
  const raw = target.split(/[?#]/, 1)[0]!;
  if (!raw.startsWith("/") || raw.startsWith("//")) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return undefined;
  }
  if (path.includes("\0") || path.includes("\\")) return undefined;
  const segments = path === "/" ? ["index.html"] : path.slice(1).split("/");
  const mount = mounts.find((m) => m.prefix !== "" && m.prefix === segments[0]) ?? mounts.find((m) => m.prefix === "");
  if (!mount) return undefined;
  const inside = mount.prefix === "" ? segments : segments.slice(1);
  return fileInMount(mount, inside.join("/"));
}

/**
 * The real path of `relative` ("/"-separated) inside mount, if it is a regular file there after symlinks, served,
 * and named plainly: no empty, "." or ".." segment, no dotfile.
 */
export function fileInMount(mount: Mount, relative: string): string | undefined {
  if (relative.split("/").some((s) => s === "" || s.startsWith("."))) return undefined;
  const name = !mount.only ? relative : Object.hasOwn(mount.only, relative) ? mount.only[relative] : undefined;
  if (name === undefined) return undefined;
  try {
    const real = realpathSync(join(mount.dir, name));
    const dir = realpathSync(mount.dir);
    if (!real.startsWith(dir + sep) || !statSync(real).isFile()) return undefined;
    return real;
  } catch {
    return undefined;
  }
}

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  // Program sources are fetched as text by the page's compiler, never run as they are.
  ".ts": "text/plain; charset=utf-8",
  ".md": "text/plain; charset=utf-8",
};

export function contentType(file: string): string {
  return TYPES[extname(file)] ?? "application/octet-stream";
}

/**
 * Sent with every answer. Cross-origin isolation (COOP + COEP) is what lets a page share memory between its
 * workers (SharedArrayBuffer, Atomics.wait), which the ranks need; CORP keeps the files to this origin.
 */
export const PLAYGROUND_HEADERS: Readonly<Record<string, string>> = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
};
