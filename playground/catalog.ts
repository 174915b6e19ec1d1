/** The menu of examples that the build wrote (scripts/examples-catalog.mjs) as examples.json. */
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

export async function loadCatalog(): Promise<ExampleEntry[]> {
  const response = await fetch(siteUrl("examples.json"));
  if (!response.ok) throw new Error(`examples.json: ${response.status} ${response.statusText}`);
  return (await response.json()) as ExampleEntry[];
}

export const exampleUrl = (entry: ExampleEntry): URL => siteUrl(`examples/${entry.path}`);

export async function loadSource(url: URL): Promise<string> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url.pathname}: ${response.status} ${response.statusText}`);
  return response.text();
}
