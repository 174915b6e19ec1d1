/**
 * Stack traces that start with the user's code: the frames inside mpi4ts itself (its sources and its bundle) say
 * nothing to a user whose call was refused, and the launcher's compiled copy of the program (a temporary file,
 * deleted as it starts) only shows up in frames of esbuild's helpers. MPI4TS_DEBUG=1 keeps every frame.
 */
import { tmpdir } from "node:os";
import { dirname, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The package's folder: this module is in its src/ (run from source) or dist/ (built, maybe bundled). */
function packageRoot(): string | undefined {
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    const name = dir.slice(dirname(dir).length + 1);
    if (name === "src" || name === "dist") return dirname(dir);
  }
  return undefined;
}

const root = packageRoot();
const ownPrefixes = root === undefined ? [] : ["src", "dist"].flatMap((part) => {
  const path = `${root}${sep}${part}${sep}`;
  return [path, pathToFileURL(path).href];
});
const bundlePrefixes = [`${tmpdir()}${sep}mpi4ts-`, `${pathToFileURL(tmpdir()).href}/mpi4ts-`];

const FRAME = /^\s+at /;

function isHidden(frame: string): boolean {
  return ownPrefixes.some((p) => frame.includes(p)) || bundlePrefixes.some((p) => frame.includes(p));
}

/** `stack` without mpi4ts's own frames; unchanged when every frame is mpi4ts's, or with MPI4TS_DEBUG=1. */
export function userStack(stack: string): string {
  if (process.env.MPI4TS_DEBUG === "1" || ownPrefixes.length === 0) return stack;
  const lines = stack.split("\n");
  const firstFrame = lines.findIndex((line) => FRAME.test(line));
  if (firstFrame < 0) return stack;
  const frames = lines.slice(firstFrame);
  const kept = frames.filter((line) => !FRAME.test(line) || !isHidden(line));
  if (!kept.some((line) => FRAME.test(line))) return stack;
  return [...lines.slice(0, firstFrame), ...kept].join("\n");
}
