/**
 * What the build wrote (scripts/playground-catalog.mjs) into catalog.json: the menu of examples, and which of
 * the runtime's modules (mpi4ts, mpi4ts/futures, mpi4ts/pool) the built runtime has.
 */
import { siteUrl } from "./site.js";

export interface ExampleEntry {
  /** Relative to examples/, "/"-separated. */
  readonly path: string;
  readonly group: string;
  readonly title: string;
  readonly ranks: number;
  readonly args: readonly string[];
  readonly timeout?: number;
  /** Why it cannot run in a browser (it imports node:fs, uses Spawn, ...), when it cannot. */
  readonly needsNode?: string;
}

export interface Catalog {
  /** The specifiers a program can import here ("mpi4ts", ...). */
  readonly runtime: readonly string[];
  readonly examples: readonly ExampleEntry[];
}

let catalog: Promise<Catalog> | undefined;

/** The catalog, fetched once (the page's menu and the compiler both read it). */
export function loadCatalog(): Promise<Catalog> {
  catalog ??= fetch(siteUrl("catalog.json")).then(async (response) => {
    if (!response.ok) throw new Error(`catalog.json: ${response.status} ${response.statusText}`);
    return (await response.json()) as Catalog;
  });
  catalog.catch(() => { catalog = undefined; });
  return catalog;
}

export const exampleUrl = (entry: ExampleEntry): URL => siteUrl(`examples/${entry.path}`);

export async function loadSource(url: URL): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: ${response.status} ${response.statusText}`);
  return response.text();
}
