/** This package's own facts, read from its package.json. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageRoot } from "../native/load.js";

/** mpi4ts's version. */
export function ownVersion(): string {
  return (JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }).version;
}
