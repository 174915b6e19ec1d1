/**
 * `mpi4ts playground --build DIR`: the playground as static files for any web server, with a README saying the
 * headers that server must send (without them the browser refuses the shared memory the ranks use).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { UsageError } from "./usage.js";
import { PLAYGROUND_HEADERS, fileInMount, type Mount } from "./playground-site.js";

/** Copies every file the server would serve into dir, at the same URL path; returns how many. */
export function buildStaticSite(mounts: readonly Mount[], dir: string): number {
  // Copying a folder into itself would truncate the files it reads.
  const target = resolve(dir);
  const within = (inner: string, outer: string) => inner === outer || inner.startsWith(outer + sep);
  const overlap = mounts.find((m) => within(target, resolve(m.dir)) || within(resolve(m.dir), target));
  if (overlap) throw new UsageError(`playground --build ${dir}: overlaps ${overlap.dir}, which it copies from; choose another folder`);
  let count = 0;
  for (const mount of mounts) {
    const names = mount.only ? Object.keys(mount.only) : filesUnder(mount.dir);
    for (const name of names) {
      const source = fileInMount(mount, name);
      if (source === undefined) continue;
      const target = join(dir, mount.prefix, name);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(source, target);
      count++;
    }
  }
  writeFileSync(join(dir, "README.md"), staticReadme());
  return count;
}

/** Every path under dir, folders included (fileInMount skips them), with "/" between segments as in URLs. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).map((name) => name.split(sep).join("/"));
}

function staticReadme(): string {
  const headers = Object.entries(PLAYGROUND_HEADERS).map(([name, value]) => `    ${name}: ${value}`).join("\n");
  return `# mpi4ts playground (static files)

Written by \`mpi4ts playground --build\`. Serve this folder from any web server; open index.html.

The server must send these headers with every file:

${headers}

and \`Content-Type: application/wasm\` for esbuild/esbuild.wasm (\`text/javascript\` for .js files).
Cross-Origin-Opener-Policy and Cross-Origin-Embedder-Policy make the page cross-origin isolated, which is what
lets the ranks (Web Workers) share memory (SharedArrayBuffer) and block in receives (Atomics.wait); without
them the page says so and runs nothing. Browsers treat http://localhost as secure; any other host needs https.

To embed a runnable example in another page of the same site:

    <script type="module" src="/PATH/TO/THIS/FOLDER/element.js"></script>
    <mpi4ts-playground src="ring.ts" ranks="4"></mpi4ts-playground>

The page that holds the element needs the same two Cross-Origin headers.
`;
}
