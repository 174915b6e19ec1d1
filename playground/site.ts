/**
 * Where the playground's other files are: next to the script that is running (the page's or the element's),
 * with the layout `mpi4ts playground` serves and `--build` writes, so the same files work at any URL prefix.
 */
const SITE = new URL("./", import.meta.url);

export const siteUrl = (path: string): URL => new URL(path, SITE);

/** The browser runtime's modules, by the specifier a program imports them with. */
export const RUNTIME_MODULES: Readonly<Record<string, URL>> = {
  "mpi4ts": siteUrl("browser/mpi4ts.js"),
  "mpi4ts/futures": siteUrl("browser/futures.js"),
  "mpi4ts/pool": siteUrl("browser/pool.js"),
};
