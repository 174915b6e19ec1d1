/** This package's own facts, read from its package.json. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../native/load.js";

/** Set by the browser bundle (scripts/bundle.mjs), where there is no package.json to read. */
declare const MPI4TS_BUNDLED_VERSION: string | undefined;

/** mpi4ts's version. */
export function ownVersion(): string {
  if (typeof MPI4TS_BUNDLED_VERSION === "string") return MPI4TS_BUNDLED_VERSION;
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}
