/**
 * The playground in a real headless browser (Debian's chromium, driven by playwright-core) against the real
 * browser runtime (dist/browser/mpi4ts.js) served by `mpi4ts playground`: the hello patternlet's greetings, the
 * ring's token, the deadlock report, Stop ending ranks that loop forever within a second, a syntax error at its
 * line, a program that needs Node refused, the <mpi4ts-playground> element; no console error and no request to
 * any other origin. Screenshots go to test/browser/out/ (git-ignored). Skipped, saying so, where chromium or
 * the built runtime is missing.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import { ROOT, explain, mpi4ts } from "../support/jobs.js";
import { startPlayground, type RunningPlayground } from "../support/playground.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));
const RUNTIME = join(ROOT, "dist/browser/mpi4ts.js");
const skip = !CHROMIUM ? "chromium is not installed (apt-get install chromium; .ci/run installs it)"
  : !existsSync(RUNTIME) ? "the browser runtime is not built (dist/browser/mpi4ts.js; npm run build)"
  : false;
const OUT = join(ROOT, "test/browser/out");

describe("the playground in headless chromium", { skip }, () => {
  let server: RunningPlayground, browser: Browser, tab: Page;
  let problems: string[] = [];

  before(async () => {
    server = await startPlayground();
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    mkdirSync(OUT, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  beforeEach(async () => {
    problems = [];
    tab = await browser.newPage({ viewport: { width: 1300, height: 850 } });
    tab.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
    tab.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    tab.on("dialog", (d) => { problems.push(`a dialog opened: ${d.message()}`); void d.dismiss(); });
    tab.on("request", (r) => {
      const origin = r.url().startsWith("blob:") ? new URL(r.url().slice(5)).origin : r.url().startsWith("data:") ? "data:" : new URL(r.url()).origin;
      if (origin !== "data:" && origin !== new URL(tab.url() === "about:blank" ? r.url() : tab.url()).origin) problems.push(`request to another origin: ${r.url()}`);
    });
  });
  afterEach(async (t) => {
    await tab.screenshot({ path: join(OUT, `${t.name.replace(/[^a-z0-9]+/gi, "-").slice(0, 60)}.png`), fullPage: true });
    await tab.close();
    assert.deepEqual(problems, []);
  });

  /** Opens the page on an example (its path under examples/), ready to run. */
  async function open(example: string): Promise<void> {
    await tab.goto(`${server.url}#${example}`);
    await tab.waitForFunction("document.body.dataset.ready === 'true'", undefined, { timeout: 20_000 });
    assert.equal(await tab.evaluate("globalThis.crossOriginIsolated"), true, "the server's headers isolate the page");
    assert.equal(await tab.locator("#program").inputValue(), example);
  }

  /** Presses Run and waits for the exit code; returns it. */
  async function run(timeoutMs = 30_000): Promise<number> {
    await tab.locator("#run").click();
    await tab.locator("#exit[data-code]").waitFor({ timeout: timeoutMs });
    return Number(await tab.locator("#exit").getAttribute("data-code"));
  }

  /** Replaces the editor's text as typing would. */
  async function type(program: string): Promise<void> {
    await tab.locator(".cm-content").click();
    await tab.keyboard.press("ControlOrMeta+a");
    await tab.keyboard.insertText(program);
  }

  /** The text of rank's pane ("all": the interleaved one). */
  const paneText = (rank: number | "all") => tab.locator(`.pane-body[data-rank="${rank}"]`).innerText();

  it("runs the hello patternlet on 4 ranks: one greeting in each rank's pane", async () => {
    await open("patternlets/00-spmd-hello.ts");
    assert.equal(await tab.locator("#ranks").inputValue(), "4");
    assert.equal(await run(), 0, await tab.locator("#report").innerText());
    for (let rank = 0; rank < 4; rank++) assert.match(await paneText(rank), new RegExp(`^Hello from process ${rank} of 4 on `));
    await tab.locator("#interleave").check();
    const all = await paneText("all");
    assert.equal(all.split("\n").filter((l) => /^\[\d\] Hello from process \d of 4/.test(l)).length, 4, "interleaved, tagged [rank]");
  });

  it("passes the ring's token around every rank, and draws its timeline", async () => {
    await open("patternlets/07-ring.ts");
    assert.equal(await run(), 0, await tab.locator("#report").innerText());
    assert.match(await paneText(0), /Conductor got the list back: \[0, 1, 2, 3\]/);
    assert.match(await paneText(3), /Process 3 received \[0, 1, 2\] from 2/);
    const timeline = tab.frameLocator("#timeline");
    await timeline.locator("#timeline-svg").waitFor({ timeout: 10_000 });
    assert.equal(await timeline.locator("#timeline-svg .lane").count(), 4, "a lane per rank");
    assert.equal(await timeline.locator("#timeline-svg .arrow").count(), 4, "an arrow per message of the ring");
  });

  it("shows the deadlock report of the deadlock patternlet", async () => {
    await open("patternlets/04-deadlock.ts");
    const code = await run();
    assert.notEqual(code, 0);
    const report = await tab.locator("#report").innerText();
    assert.match(report, /deadlock/i);
    for (let rank = 0; rank < 4; rank++) assert.match(await paneText(rank), /waiting for a message from/);
  });

  it("Stop ends ranks that loop forever within a second", async () => {
    await open("patternlets/00-spmd-hello.ts");
    await type('import { MPI } from "mpi4ts";\nconsole.log(`looping on ${MPI.COMM_WORLD.rank}`);\nwhile (true) {}\n');
    await tab.locator("#run").click();
    for (let rank = 0; rank < 4; rank++) await tab.locator(`.pane-body[data-rank="${rank}"]`, { hasText: "looping" }).waitFor({ timeout: 20_000 });
    assert.equal(await tab.evaluate(() => new Promise<number>((r) => { const t = performance.now(); setTimeout(() => r(performance.now() - t), 0); })) < 200, true, "the page still answers");
    // Timed in the page, from the click's handling to the exit code shown: the test driver's own round trips
    // through a page whose cores are busy with 4 spinning ranks are not the page's to answer for.
    const timed = tab.evaluate(`new Promise((resolve) => {
      const exit = document.getElementById("exit");
      document.getElementById("stop").addEventListener("click", () => {
        const clicked = performance.now();
        const seen = () => { if (exit.dataset.code !== undefined) { observer.disconnect(); resolve(performance.now() - clicked); } };
        const observer = new MutationObserver(seen);
        observer.observe(exit, { attributes: true, childList: true, subtree: true });
        seen();
      }, { capture: true, once: true });
    })`) as Promise<number>;
    await tab.locator("#stop").click();
    await tab.locator("#exit[data-code]").waitFor({ timeout: 5_000 });
    const took = await timed;
    assert.equal(await tab.locator("#exit").getAttribute("data-code"), "130");
    assert.ok(took < 1000, `stopped after ${took} ms`);
    assert.equal(await tab.locator("#run").isEnabled(), true);
  });

  it("shows what a program prints as text, never as markup", async () => {
    await open("patternlets/00-spmd-hello.ts");
    // One rank only: when every rank fails, the first failure ends the others, whose output may then be cut.
    await type('import { MPI } from "mpi4ts";\nconst nasty = "<img src=x onerror=alert(1)><b>bold</b>";\nif (MPI.COMM_WORLD.rank === 0) {\nconsole.log(nasty);\nconsole.error(nasty);\nthrow new Error(nasty);\n}\n');
    assert.equal(await run(), 1);
    assert.match(await paneText(0), /^<img src=x onerror=alert\(1\)><b>bold<\/b>\n<img src=x/);
    assert.match(await tab.locator("#report").innerText(), /<img src=x onerror=alert\(1\)>/);
    assert.equal(await tab.locator("#output img, #output b, #report img").count(), 0);
  });

  it("shows a syntax error at its line, marked in the editor, and runs nothing (Ctrl-Enter runs)", async () => {
    await open("patternlets/00-spmd-hello.ts");
    await type('import { MPI } from "mpi4ts";\nconst rank = MPI.COMM_WORLD.rank;\nconst broken = (rank + ;\nconsole.log(broken);\n');
    await tab.keyboard.press("ControlOrMeta+Enter");
    await tab.locator("#exit[data-code]").waitFor({ timeout: 30_000 });
    assert.equal(await tab.locator("#exit").getAttribute("data-code"), "1", "Ctrl-Enter ran it");
    assert.match(await tab.locator("#report").innerText(), /00-spmd-hello\.ts:3:\d+: error: /);
    assert.equal(await tab.locator(".cm-error-line").count(), 1);
    assert.match(await tab.locator(".cm-error-line").innerText(), /const broken/);
    assert.equal(await paneText(0), "");
  });

  it("refuses a program that needs Node, saying why, and names node:* imports in a user's program", async () => {
    await open("exemplars/heat-diffusion/heat.ts");
    assert.match(await tab.locator("#program option:checked").innerText(), /needs Node/);
    await tab.locator("#run").click();
    assert.match(await tab.locator("#status").innerText(), /needs Node: it imports node:fs.*npx mpi4ts run -n 4 examples\/exemplars\/heat-diffusion\/heat\.ts/);
    assert.equal(await tab.locator("#exit[data-code]").count(), 0, "nothing ran");
    await type('import { readFileSync } from "node:fs";\nconsole.log(readFileSync);\n');
    assert.equal(await run(), 1);
    assert.match(await tab.locator("#report").innerText(), /heat\.ts:1:\d+: error: node:fs is not available in the browser/);
  });

  it("runs the <mpi4ts-playground> element of a course page", async () => {
    await tab.goto(`${server.url}embed.html`);
    const ring = tab.locator("mpi4ts-playground").first();
    await tab.waitForFunction('document.querySelectorAll("mpi4ts-playground[data-ready=true]").length === 2', undefined, { timeout: 20_000 });
    await ring.locator(".run").click();
    await ring.locator(".exit[data-code]").waitFor({ timeout: 30_000 });
    assert.equal(await ring.locator(".exit").getAttribute("data-code"), "0", await ring.locator(".report").innerText());
    assert.match(await ring.locator(".pane-body").innerText(), /\[0\] Conductor got the list back: \[0, 1, 2, 3\]/);
    const inline = tab.locator("mpi4ts-playground").nth(1);
    await inline.locator(".run").click();
    await inline.locator(".exit[data-code]").waitFor({ timeout: 30_000 });
    const lines = (await inline.locator(".pane-body").innerText()).split("\n").sort();
    assert.deepEqual(lines, ["[0] rank 0 of 2 says hello", "[1] rank 1 of 2 says hello"]);
  });

  it("runs from the --build site under a sub-path of a plain static server that sends the README's headers", async () => {
    const site = mkdtempSync(join(tmpdir(), "mpi4ts-playground-site-"));
    const built = await mpi4ts(["playground", "--build", join(site, "course/mpi4ts")]);
    assert.equal(built.code, 0, explain(built));
    const headers = Object.fromEntries([...readFileSync(join(site, "course/mpi4ts/README.md"), "utf8").matchAll(/^ {4}([\w-]+): (.+)$/gm)].map((m) => [m[1]!, m[2]!]));
    const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".json": "application/json", ".wasm": "application/wasm" };
    // What any web server does: a file per path, index.html for a folder, the headers it was told to send.
    const plain = createServer((request, response) => {
      const path = decodeURIComponent(request.url!.split("?")[0]!).replace(/\/$/, "/index.html");
      if (path.includes("..")) return void response.writeHead(404).end();
      try {
        const body = readFileSync(join(site, path));
        response.writeHead(200, { ...headers, "Content-Type": types[extname(path)] ?? "text/plain" }).end(body);
      } catch {
        response.writeHead(404, headers).end();
      }
    });
    await new Promise<void>((listening) => plain.listen(0, "127.0.0.1", listening));
    try {
      const address = plain.address() as { port: number };
      await tab.goto(`http://127.0.0.1:${address.port}/course/mpi4ts/#patternlets/07-ring.ts`);
      await tab.waitForFunction("document.body.dataset.ready === 'true'", undefined, { timeout: 20_000 });
      assert.equal(await run(), 0, await tab.locator("#report").innerText());
      assert.match(await paneText(0), /Conductor got the list back: \[0, 1, 2, 3\]/);
    } finally {
      plain.close();
      plain.closeAllConnections();
      rmSync(site, { recursive: true, force: true });
    }
  });
});
