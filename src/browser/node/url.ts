/** node:url in a browser rank: file URLs only name things (stack frames, the program), nothing is opened. */
export function fileURLToPath(url: string | URL): string {
  const u = typeof url === "string" ? new URL(url) : url;
  return u.protocol === "file:" ? decodeURIComponent(u.pathname) : u.href;
}

export function pathToFileURL(path: string): URL {
  return new URL(`file://${encodeURI(path)}`);
}
