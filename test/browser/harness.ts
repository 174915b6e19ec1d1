/**
 * A test page for the browser runtime (dist/browser): a loopback server with the headers that make a page
 * cross-origin isolated, serving the runtime, programs compiled from TypeScript here with esbuild (their
 * imports of "mpi4ts" pointed at the runtime), and a page whose `runProgram(name, size, stopAfterMs?, args?)` runs one
 * with startJob and resolves with every line, report and the exit code (`runTraced(name, size)`: with the trace,
 * drawn by timelinePage in the page's frame #timeline). Headless chromium drives it through
 * playwright-core.
 */
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { build } from "esbuild";
import { ROOT } from "../support/jobs.js";

export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));

const PAGE = `<!doctype html><meta charset="utf-8"><title>mpi4ts runtime test</title>
<iframe id="timeline" style="width: 1200px; height: 700px"></iframe>
<script type="module">
import { startJob, timelinePage } from "/runtime/mpi4ts.js";
window.runProgram = (name, size, stopAfterMs, args) => new Promise((resolve) => {
  const lines = [], reports = [];
  const job = startJob({ size, programUrl: "/programs/" + name + ".js", args: args || [],
    onOutput: (rank, stream, line) => lines.push({ rank, stream, line }), onReport: (text) => reports.push(text) });
  const started = performance.now();
  if (stopAfterMs !== undefined) setTimeout(() => job.stop(), stopAfterMs);
  job.done.then((code) => resolve({ code, lines, reports, ms: performance.now() - started - (stopAfterMs ?? 0) }));
});
window.runTraced = (name, size) => new Promise((resolve) => {
  const deliveries = [], reports = [];
  const job = startJob({ size, programUrl: "/programs/" + name + ".js", onOutput: () => {}, onReport: (text) => reports.push(text),
    onTrace: (trace) => deliveries.push({ at: performance.now(), events: trace.traceEvents.length, trace }) });
  job.done.then((code) => {
    const doneAt = performance.now();
    const last = deliveries[deliveries.length - 1];
    document.getElementById("timeline").srcdoc = timelinePage(last.trace);
    resolve({ code, reports, trace: last.trace, before: deliveries.filter((d) => d.at < doneAt - 1 && d !== last).map((d) => d.events) });
  });
});
window.ready = true;
</script>`;

export interface RunResult { code: number; lines: { rank: number; stream: string; line: string }[]; reports: string[]; ms: number }

/** Serves the page, dist/browser/ under /runtime/, and each of `programs` (name → TypeScript file) under /programs/. */
export async function startHarness(programs: Record<string, string>): Promise<{ url: string; server: Server }> {
  const compiled = new Map<string, string>();
  for (const [name, file] of Object.entries(programs)) {
    const out = await build({
      entryPoints: [join(ROOT, file)], bundle: true, write: false, format: "esm", platform: "browser", target: "chrome111",
      plugins: [{
        name: "runtime",
        setup(b) {
          b.onResolve({ filter: /^mpi4ts(\/futures|\/pool)?$/ }, ({ path }) => ({ path: `/runtime/${path === "mpi4ts" ? "mpi4ts" : path.slice(7)}.js`, external: true }));
          // The API suites assert with node:assert/strict, which a page lacks: a test-only stand-in.
          b.onResolve({ filter: /^node:assert\/strict$/ }, () => ({ path: join(ROOT, "test/browser/support/assert.ts") }));
        },
      }],
    });
    compiled.set(`/programs/${name}.js`, out.outputFiles[0]!.text);
  }
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    const headers = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };
    const runtime = /^\/runtime\/([\w.-]+\.js)$/.exec(path);
    const body = path === "/" ? PAGE : compiled.get(path) ?? (runtime && existsSync(join(ROOT, "dist/browser", runtime[1]!)) ? readFileSync(join(ROOT, "dist/browser", runtime[1]!), "utf8") : undefined);
    if (body === undefined) {
      response.writeHead(404, headers).end();
      return;
    }
    response.writeHead(200, { ...headers, "Content-Type": path === "/" ? "text/html" : "text/javascript" }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
}
