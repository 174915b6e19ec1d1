/**
 * Compiled programs, kept per host between runs: under `mpiexec -n 16 … mpi4ts exec app.ts` every rank would
 * otherwise bundle the same TypeScript again (a quarter to half a second each, all at once). A program's entry is
 * looked up by its path; the entry is valid while every file that went into it (esbuild's list of inputs) has the
 * same content hash. The first rank to miss takes a lock file and compiles; the others wait for its result.
 * Files are written under a temporary name and renamed, so a reader sees a whole file or none, also on a home
 * directory shared by several hosts.
 *
 * Where: $MPI4TS_CACHE_DIR, else $XDG_CACHE_HOME/mpi4ts, else ~/.cache/mpi4ts (never TMPDIR, which a job must
 * leave as it found it).
 */
import { createHash } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export interface Compiled {
  readonly code: Uint8Array;
  /** Every file the code was built from: its absolute path and the sha256 of the content the compiler read. */
  readonly inputs: readonly (readonly [path: string, hash: string])[];
}

interface Manifest {
  readonly output: string;
  readonly inputs: readonly (readonly [path: string, hash: string])[];
}

/** A lock older than this belongs to a rank that died while compiling. */
const STALE_LOCK_MS = 60_000;
const POLL_MS = 25;
/** Outputs replaced longer ago than this are removed (a rank that read the old manifest has imported it since). */
const OLD_OUTPUT_MS = 10 * 60_000;

export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MPI4TS_CACHE_DIR) return env.MPI4TS_CACHE_DIR;
  return join(env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mpi4ts");
}

export const sha256 = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");

function hashOf(path: string): string | undefined {
  try {
    return sha256(readFileSync(path));
  } catch {
    return undefined;
  }
}

/**
 * The URL of `entry` compiled by `compile`, from the cache when every input is unchanged. `salt` names what else
 * the output depends on (the compiler's settings, mpi4ts's version). Returns undefined when the cache directory
 * cannot be written, so the caller compiles without it.
 */
export async function cachedProgram(entry: string, salt: string, compile: () => Promise<Compiled>): Promise<string | undefined> {
  const dir = cacheDirectory();
  try {
    mkdirSync(dir, { recursive: true });
  } catch {
    return undefined;
  }
  const key = sha256(`${salt}\0${entry}`).slice(0, 24);
  const manifestPath = join(dir, `${key}.json`);
  const lockPath = join(dir, `${key}.lock`);

  const lookup = (): string | undefined => {
    let manifest: Manifest;
    try {
      manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
    } catch {
      return undefined;
    }
    if (!manifest.inputs.every(([path, hash]) => hashOf(path) === hash)) return undefined;
    const output = join(dir, manifest.output);
    try {
      statSync(output);
    } catch {
      return undefined;
    }
    return pathToFileURL(output).href;
  };

  for (;;) {
    const found = lookup();
    if (found) return found;
    let lock: number | undefined;
    try {
      lock = openSync(lockPath, "wx");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") return undefined;
    }
    if (lock !== undefined) {
      try {
        return await compileInto(dir, key, manifestPath, compile);
      } finally {
        closeSync(lock);
        rmSync(lockPath, { force: true });
      }
    }
    // Another rank compiles it: wait for its manifest, or take over once its lock is stale.
    try {
      if (Date.now() - statSync(lockPath).mtimeMs > STALE_LOCK_MS) rmSync(lockPath, { force: true });
    } catch {
      // the lock went away: look again
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function compileInto(dir: string, key: string, manifestPath: string, compile: () => Promise<Compiled>): Promise<string> {
  // The hashes are of what the compiler read, so a file edited meanwhile fails the next lookup.
  const compiled = await compile();
  const inputs = compiled.inputs;
  const output = `${key}-${sha256(compiled.code).slice(0, 16)}.mjs`;
  const temporary = `.${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(join(dir, output + temporary), compiled.code);
  renameSync(join(dir, output + temporary), join(dir, output));
  writeFileSync(manifestPath + temporary, JSON.stringify({ output, inputs } satisfies Manifest));
  renameSync(manifestPath + temporary, manifestPath);
  removeOldOutputs(dir, key, output);
  return pathToFileURL(join(dir, output)).href;
}

function removeOldOutputs(dir: string, key: string, current: string): void {
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(`${key}-`) || name === current) continue;
    try {
      if (Date.now() - statSync(join(dir, name)).mtimeMs > OLD_OUTPUT_MS) rmSync(join(dir, name), { force: true });
    } catch {
      // removed by another rank
    }
  }
}
