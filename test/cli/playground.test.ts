/**
 * `mpi4ts playground`: the server answers on 127.0.0.1 only, with the cross-origin isolation headers and the
 * right types; it serves the playground's files and nothing else (.., %2e%2e, //etc/passwd, a symlink out of
 * its folders); --build writes the same files and the README naming the headers; its help.
 * The command serves the built page (dist/playground): npm run build first, as npm test does.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { playgroundMounts, resolveRequest } from "../../src/cli/playground-site.js";
import { ROOT, explain, mpi4ts } from "../support/jobs.js";
import { startPlayground, type RunningPlayground } from "../support/playground.js";

const dir = mkdtempSync(join(tmpdir(), "mpi4ts-playground-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** One request with the path sent exactly as written (fetch would normalize "..", and "//x" is a host to it). */
function get(port: number, path: string, method = "GET"): Promise<Answer> {
  return new Promise((done, failed) => {
    const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
      let body = "";
      res.setEncoding("latin1");
      res.on("data", (d: string) => { body += d; });
      res.on("end", () => done({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", failed);
    req.end();
  });
}

describe("mpi4ts playground: which files a path names", () => {
  // A package root of its own, so the test can plant a symlink out of a folder without touching the checkout.
  const root = join(dir, "root");
  const outside = join(dir, "secret.txt");
  before(() => {
    mkdirSync(join(root, "dist/playground"), { recursive: true });
    mkdirSync(join(root, "examples/patternlets"), { recursive: true });
    writeFileSync(join(root, "dist/playground/index.html"), "<!doctype html>");
    writeFileSync(join(root, "examples/patternlets/ring.ts"), "export {};");
    writeFileSync(join(root, "examples/.hidden.ts"), "");
    writeFileSync(outside, "secret");
    symlinkSync(outside, join(root, "examples/leak.ts"));
    symlinkSync(dir, join(root, "examples/up"));
    symlinkSync(join(root, "examples/patternlets/ring.ts"), join(root, "examples/inside.ts"));
  });
  const resolve = (path: string) => resolveRequest(playgroundMounts(root), path);

  it("maps the page, the examples and the compiler's two files", () => {
    assert.equal(resolve("/"), join(root, "dist/playground/index.html"));
    assert.equal(resolve("/index.html?x=1#y"), join(root, "dist/playground/index.html"));
    assert.equal(resolve("/examples/patternlets/ring.ts"), join(root, "examples/patternlets/ring.ts"));
    assert.match(resolve("/esbuild/esbuild.wasm") ?? "", /esbuild-wasm[/\\]esbuild\.wasm$/);
    assert.match(resolve("/esbuild/browser.min.js") ?? "", /esbuild-wasm[/\\]esm[/\\]browser\.min\.js$/);
    assert.equal(resolve("/inside.ts"), undefined, "the page's folder has no inside.ts");
    assert.equal(resolve("/examples/inside.ts"), join(root, "examples/patternlets/ring.ts"), "a symlink within its folder is fine");
  });

  it("refuses everything else", () => {
    for (const path of [
      "/../package.json", "/examples/../package.json", "/examples/patternlets/../../package.json",
      "/%2e%2e/package.json", "/examples/%2E%2E/%2e%2e/package.json", "/examples/..%2f..%2fpackage.json",
      "//etc/passwd", "/etc/passwd", "/%2fetc%2fpasswd", "etc/passwd", "/examples/leak.ts", "/examples/up/secret.txt",
      "/examples/.hidden.ts", "/examples/", "/examples", "/examples/patternlets", "/esbuild/package.json",
      "/esbuild/lib/main.js", "/examples/ring.ts%00.html", "/examples\\..\\package.json", "/%E0%A4%A", "/browser/mpi4ts.js",
    ]) {
      assert.equal(resolve(path), undefined, path);
    }
  });
});

describe("mpi4ts playground: the server", () => {
  let server: RunningPlayground;
  before(async () => { server = await startPlayground(); });
  after(async () => { await server.stop(); });

  it("prints its URL on 127.0.0.1 and serves the page with the cross-origin isolation headers", async () => {
    const page = await get(server.port, "/");
    assert.equal(page.status, 200);
    assert.match(page.body, /mpi4ts playground/);
    assert.equal(page.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(page.headers["cross-origin-opener-policy"], "same-origin");
    assert.equal(page.headers["cross-origin-embedder-policy"], "require-corp");
    assert.equal(page.headers["cross-origin-resource-policy"], "same-origin");
    assert.equal(page.headers["x-content-type-options"], "nosniff");
    const wasm = await get(server.port, "/esbuild/esbuild.wasm", "HEAD");
    assert.equal(wasm.status, 200);
    assert.equal(wasm.headers["content-type"], "application/wasm");
    assert.ok(Number(wasm.headers["content-length"]) > 1_000_000);
    assert.equal((await get(server.port, "/playground.js")).headers["content-type"], "text/javascript; charset=utf-8");
    const ring = await get(server.port, "/examples/patternlets/07-ring.ts");
    assert.equal(ring.body, readFileSync(join(ROOT, "examples/patternlets/07-ring.ts"), "latin1"), "the examples as they are");
    const catalog = JSON.parse((await get(server.port, "/catalog.json")).body) as { runtime: string[]; examples: { path: string; needsNode?: string }[] };
    assert.equal(catalog.runtime.includes("mpi4ts"), existsSync(join(ROOT, "dist/browser/mpi4ts.js")), "the runtime's modules this build has");
    const menu = catalog.examples;
    assert.ok(menu.some((e) => e.path === "patternlets/07-ring.ts" && !e.needsNode));
    assert.match(menu.find((e) => e.path === "exemplars/heat-diffusion/heat.ts")?.needsNode ?? "", /imports node:fs, uses MPI\.File/);
    assert.match(menu.find((e) => e.path === "patternlets/32-spawn-workers.ts")?.needsNode ?? "", /Spawn/);
    assert.ok(menu.some((e) => e.path === "patternlets/30-shared-counter.ts" && !e.needsNode), "windows run in the browser");
  });

  it("answers 404, with the same headers, for paths outside its files", async () => {
    for (const path of ["/../package.json", "/examples/../../package.json", "/%2e%2e/package.json", "/examples/%2e%2e/%2e%2e/package.json", "//etc/passwd", "/etc/passwd", "/package.json", "/src/cli/playground.ts"]) {
      const answer = await get(server.port, path);
      assert.equal(answer.status, 404, path);
      assert.equal(answer.headers["cross-origin-embedder-policy"], "require-corp");
      assert.ok(!answer.body.includes("mpi4ts"), `${path}: nothing of the file`);
    }
    assert.equal((await get(server.port, "/", "POST")).status, 405);
  });

  const other = Object.values(networkInterfaces()).flat().find((a) => a && !a.internal && a.family === "IPv4")?.address;
  it("does not answer on another address of this machine", { skip: other ? false : "this machine has no non-loopback IPv4 address to try" }, async () => {
    const outcome = await new Promise<string>((done) => {
      const socket = connect({ host: other!, port: server.port });
      socket.setTimeout(2000, () => { socket.destroy(); done("timeout"); });
      socket.once("connect", () => { socket.destroy(); done("connected"); });
      socket.once("error", (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
    });
    assert.notEqual(outcome, "connected", `${other}:${server.port} accepted a connection`);
  });
});

describe("mpi4ts playground --build, --help", () => {
  it("writes the same files as a static site, with a README naming the headers", async () => {
    const site = join(dir, "site");
    const r = await mpi4ts(["playground", "--build", site]);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stderr, /wrote \d+ files/);
    for (const file of ["index.html", "playground.js", "element.js", "catalog.json", "esbuild/esbuild.wasm", "esbuild/browser.min.js", "examples/patternlets/07-ring.ts", "examples/exemplars/common.ts"]) {
      assert.ok(existsSync(join(site, file)), file);
    }
    assert.equal(existsSync(join(ROOT, "dist/browser/mpi4ts.js")), existsSync(join(site, "browser/mpi4ts.js")), "the runtime when it is built");
    assert.ok(!existsSync(join(site, "esbuild/package.json")), "only the compiler's two files");
    const readme = readFileSync(join(site, "README.md"), "utf8");
    assert.match(readme, /Cross-Origin-Opener-Policy: same-origin/);
    assert.match(readme, /Cross-Origin-Embedder-Policy: require-corp/);
    assert.match(readme, /application\/wasm/);
  });

  it("refuses to build into a folder it copies from", async () => {
    for (const target of [join(ROOT, "examples"), join(ROOT, "dist/playground/x"), ROOT]) {
      const r = await mpi4ts(["playground", "--build", target]);
      assert.equal(r.code, 2, explain(r));
      assert.match(r.stderr, /overlaps .*, which it copies from/);
    }
  });

  it("explains itself and refuses what it does not know", async () => {
    for (const args of [["playground", "--help"], ["help", "playground"]]) {
      const r = await mpi4ts(args);
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, /usage: mpi4ts playground \[--port N\] \[--build DIR\]/);
    }
    assert.match((await mpi4ts(["--help"])).stdout, /mpi4ts playground/);
    const bad = await mpi4ts(["playground", "--bogus"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /playground: unknown argument --bogus/);
    const port = await mpi4ts(["playground", "--port", "70000"]);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port 70000: expected a port number/);
  });
});
