/**
 * Stack traces that start with the user's code: the frames inside mpi4ts itself (its sources and its bundle) say
 * nothing to a user whose call was refused, and the launcher's compiled copy of the program (a temporary file,
 * deleted as it starts) only shows up in frames of esbuild's helpers. MPI4TS_DEBUG=1 keeps every frame.
 */
import { tmpdir } from "node:os";
import { sep } from "node:path";
import { pathToFileURL } from "node:url";
import { packageRoot } from "./native/load.js";

/** Where mpi4ts's own files are (its sources and builds), as paths and as file URLs; computed at first use. */
let ownPrefixes: string[] | undefined;
function ownFiles(): string[] {
  return (ownPrefixes ??= [
    ...["src", "dist"].flatMap((part) => {
      const path = `${packageRoot()}${sep}${part}${sep}`;
      return [path, pathToFileURL(path).href];
    }),
    // This module's own folder: in a web page, where the runtime is served from (dist/browser/ at some URL).
    new URL(".", import.meta.url).href,
  ]);
}
const bundlePrefixes = [`${tmpdir()}${sep}mpi4ts-`, `${pathToFileURL(tmpdir()).href}/mpi4ts-`];

const FRAME = /^\s+at /;

function isHidden(frame: string): boolean {
  return ownFiles().some((p) => frame.includes(p)) || bundlePrefixes.some((p) => frame.includes(p));
}

/** `stack` without mpi4ts's own frames; unchanged when every frame is mpi4ts's, or with MPI4TS_DEBUG=1. */
export function userStack(stack: string): string {
  if (process.env.MPI4TS_DEBUG === "1") return stack;
  const lines = stack.split("\n");
  const firstFrame = lines.findIndex((line) => FRAME.test(line));
  if (firstFrame < 0) return stack;
  const frames = lines.slice(firstFrame);
  const kept = frames.filter((line) => !FRAME.test(line) || !isHidden(line));
  if (!kept.some((line) => FRAME.test(line))) return stack;
  return [...lines.slice(0, firstFrame), ...kept].join("\n");
}
