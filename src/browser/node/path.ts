/** node:path in a browser rank: POSIX paths, for the few names mpi4ts computes (there are no files to reach). */
export const sep = "/";

function normalize(parts: readonly string[], absolute: boolean): string {
  const out: string[] = [];
  for (const part of parts) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (!absolute) out.push("..");
    } else {
      out.push(part);
    }
  }
  const joined = out.join("/");
  return absolute ? `/${joined}` : joined || ".";
}

export function join(...paths: string[]): string {
  const all = paths.filter((p) => p !== "").join("/");
  return normalize(all.split("/"), all.startsWith("/"));
}

export function resolve(...paths: string[]): string {
  let all = "";
  for (const p of paths) all = p.startsWith("/") ? p : `${all}/${p}`;
  return normalize(all.split("/"), true);
}

export function dirname(path: string): string {
  const i = path.replace(/\/+$/, "").lastIndexOf("/");
  return i < 0 ? "." : i === 0 ? "/" : path.slice(0, i);
}

export function basename(path: string, ext?: string): string {
  const base = path.replace(/\/+$/, "").split("/").pop() ?? "";
  return ext && base.endsWith(ext) ? base.slice(0, -ext.length) : base;
}

export function extname(path: string): string {
  const base = basename(path);
  const dot = base.lastIndexOf(".");
  return dot <= 0 ? "" : base.slice(dot);
}
