/**
 * The timeline page (mpi4ts view) in a real headless browser: Debian's chromium driven by playwright-core
 * (a devDependency with no dependencies of its own, which never downloads a browser). It must show one lane
 * per rank and one arrow per message, log no console error, and show the program's markup as inert text.
 * The screenshot goes to test/trace/out/ (git-ignored). Skipped, saying so, only where chromium is not installed.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { after, before, describe, it } from "node:test";
import { ROOT, explain, mpi4ts } from "../support/jobs.js";
import { readTrace } from "../../src/trace/merge.js";

const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((path) => existsSync(path));
const NASTY = "<img src=x onerror=alert(1)>";
const SIZE = 3;
const dir = mkdtempSync(join(tmpdir(), "mpi4ts-view-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("mpi4ts view", () => {
  const traceFile = join(dir, "xss.json");
  const page = join(dir, "xss.html");
  before(async () => {
    const run = await mpi4ts(["run", "-n", String(SIZE), "--trace", traceFile, "test/trace/fixtures/xss.ts"]);
    assert.equal(run.code, 0, explain(run));
    const view = await mpi4ts(["view", traceFile, "-o", page]);
    assert.equal(view.code, 0, explain(view));
  });

  it("refuses what is not a trace, clearly", async () => {
    const none = await mpi4ts(["view", join(dir, "missing.json")]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /view: no such file: .*missing\.json/);
    writeFileSync(join(dir, "other.json"), "{}");
    const other = await mpi4ts(["view", join(dir, "other.json")]);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /is not a trace written by mpi4ts --trace/);
    const usage = await mpi4ts(["view", traceFile, "--bogus"]);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /view: unknown option --bogus/);
  });

  it("merges a job's parts first when their merge never ran (rank 0 of a bare mpiexec killed)", async () => {
    const file = join(dir, "unmerged.json");
    const env = { ...process.env, MPI4TS_TRACE: file, MPI4TS_TRACE_MERGE: "launcher", MPI4TS_TRACE_JOB: "unmerged" };
    const run = await mpi4ts(["run", "-n", "2", "test/trace/fixtures/xss.ts"], { env });
    assert.equal(run.code, 0, explain(run));
    assert.ok(!existsSync(file) && existsSync(`${file}.part-1.json`), "only the parts are there");
    const view = await mpi4ts(["view", file]);
    assert.equal(view.code, 0, explain(view));
    assert.equal(readTrace(file).mpi4ts.size, 2);
    assert.ok(existsSync(join(dir, "unmerged.html")));
  });

  it("writes one self-contained file: no external script, style, image or fetch", () => {
    const html = readFileSync(page, "utf8");
    assert.ok(!/<(script|link|img|iframe)[^>]+(src|href)=/i.test(html), "no external script, style or image");
    assert.ok(!/\bfetch\(|XMLHttpRequest|WebSocket|@import|url\((?!#)/.test(html), "nothing fetched");
    assert.ok(!html.includes(NASTY), "the program's markup is never in the page as markup");
    assert.ok(!html.includes("</script><script>alert(2)"), "nor can it close the data element");
  });

  it("renders lanes, arrows and the program's strings as text in headless chromium", { skip: CHROMIUM ? false : "chromium is not installed (apt-get install chromium; .ci/run installs it)" }, async () => {
    const { chromium } = await import("playwright-core");
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    try {
      const tab = await browser.newPage({ viewport: { width: 1200, height: 800 } });
      const problems: string[] = [];
      tab.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
      tab.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
      tab.on("dialog", (d) => { problems.push(`a dialog opened (script from the trace ran): ${d.message()}`); void d.dismiss(); });
      tab.on("request", (r) => { if (!r.url().startsWith("file:") && !r.url().startsWith("data:")) problems.push(`network request: ${r.url()}`); });
      await tab.goto(pathToFileURL(page).href);
      await tab.waitForFunction("document.body.dataset.ready === \"true\"", undefined, { timeout: 20_000 });
      const trace = readTrace(traceFile);
      const messages = trace.traceEvents.filter((e) => e.ph === "s").length;
      assert.equal(messages, SIZE, "one message per rank in the ring");
      assert.equal(await tab.locator("#timeline-svg .lane").count(), SIZE);
      assert.equal(await tab.locator("#timeline-svg .arrow").count(), messages);
      assert.equal(await tab.locator("#timeline-svg .span-collective").count(), 3 * SIZE, "Dup, Allreduce and Barrier on every rank");
      assert.equal(await tab.locator("#heatmap .cell").count(), SIZE * SIZE);
      assert.equal(await tab.locator("#bars .bar").count(), 3 * SIZE);
      assert.equal(await tab.locator("img").count(), 0, "the communicator's name made no element");
      const texts = await tab.locator("#timeline-svg title").allTextContents();
      assert.ok(texts.some((t) => t.includes(`comm: ${NASTY}`)), "the communicator's name shows as text");
      assert.ok(texts.some((t) => t.includes(NASTY) && t.includes("user")), "the mark shows as text");
      await tab.locator("#timeline-svg .arrow").first().dispatchEvent("mouseenter");
      assert.match(await tab.locator("#details").innerText(), /message[\s\S]*bytes: \d+/);
      await tab.mouse.move(600, 120);
      await tab.mouse.wheel(0, -400);
      assert.equal(await tab.locator("#timeline-svg .lane").count(), SIZE, "zooming redraws the lanes");
      await tab.locator("#reset").click();
      mkdirSync(join(ROOT, "test/trace/out"), { recursive: true });
      await tab.screenshot({ path: join(ROOT, "test/trace/out/view.png"), fullPage: true });
      assert.deepEqual(problems, []);
    } finally {
      await browser.close();
    }
  });
});
