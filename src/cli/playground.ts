/**
 * `mpi4ts playground [--port N] [--build DIR]`: serves the browser playground on 127.0.0.1 only, or writes it
 * as static files. Plain node:http: GET and HEAD of the files playground-site.ts allows, 404 for the rest.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join, resolve } from "node:path";
import { UsageError } from "./main.js";
import { buildStaticSite } from "./playground-build.js";
import { PLAYGROUND_HEADERS, contentType, playgroundMounts, resolveRequest, type Mount } from "./playground-site.js";

export async function playgroundCommand(argv: readonly string[]): Promise<number> {
  let port = 0, build: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === "--port") {
      const p = value();
      if (!/^\d+$/.test(p) || Number(p) > 65535) throw new UsageError(`--port ${p}: expected a port number, 0 to 65535 (0: any free port)`);
      port = Number(p);
    } else if (arg === "--build") build = value();
    else throw new UsageError(`playground: unknown argument ${arg} (see mpi4ts help playground)`);
  }
  const mounts = playgroundMounts();
  const page = mounts.find((m) => m.prefix === "")!.dir;
  if (!existsSync(join(page, "index.html"))) throw new UsageError(`playground: ${page} is missing; build it first (npm run build)`);
  if (!existsSync(join(mounts.find((m) => m.prefix === "browser")!.dir, "mpi4ts.js"))) {
    process.stderr.write("mpi4ts: note: the browser runtime (dist/browser/mpi4ts.js) is not built: the page will load but not run programs\n");
  }
  if (build !== undefined) {
    const count = buildStaticSite(mounts, build);
    process.stderr.write(`mpi4ts: wrote ${count} files and README.md (the headers its web server must send) to ${resolve(build)}\n`);
    return 0;
  }
  const server = await servePlayground(mounts, port);
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the playground server has no TCP address");
  process.stdout.write(`mpi4ts playground: http://127.0.0.1:${address.port}/  (Ctrl-C ends it)\n`);
  return new Promise<number>((done) => {
    const stop = () => { server.close(); server.closeAllConnections(); done(130); };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}

/** Listens on 127.0.0.1 (port 0: a free one) and answers with the playground's files only. */
export function servePlayground(mounts: readonly Mount[], port: number): Promise<Server> {
  const server = createServer((request, response) => answer(mounts, request, response));
  return new Promise((listening, failed) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      failed(e.code === "EADDRINUSE" ? new UsageError(`playground: port ${port} is in use (--port 0 takes a free one)`) : e);
    });
    // Loopback only: the page runs whatever program text it is given, so no other machine may reach it.
    server.listen(port, "127.0.0.1", () => listening(server));
  });
}

function answer(mounts: readonly Mount[], request: IncomingMessage, response: ServerResponse): void {
  for (const [name, value] of Object.entries(PLAYGROUND_HEADERS)) response.setHeader(name, value);
  // A rebuild must show at the next reload.
  response.setHeader("Cache-Control", "no-cache");
  if (request.method !== "GET" && request.method !== "HEAD") {
    response.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" }).end("only GET and HEAD\n");
    return;
  }
  const file = resolveRequest(mounts, request.url ?? "");
  if (file === undefined) {
    response.writeHead(404, { "Content-Type": "text/plain; charset=utf-8" }).end("not found\n");
    return;
  }
  response.writeHead(200, { "Content-Type": contentType(file), "Content-Length": statSync(file).size });
  if (request.method === "HEAD") response.end();
  else createReadStream(file).pipe(response);
}
