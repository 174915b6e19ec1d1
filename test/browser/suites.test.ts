/**
 * The API suites (test/suites/*.suite.ts) in headless chromium, on the browser runtime: the same SPMD programs
 * that run under every engine on Node, at the smallest and largest of their sizes up to 4 ranks, with a
 * stand-in for node:assert/strict (support/assert.ts). Left out: suites that import Node modules (files,
 * paths), need mpi4ts run's program compiler, or Spawn; and fuzz, whose Proxy cases a page cannot refuse (no
 * browser API tells a Proxy from its target, so a Proxy is sent as what its traps show).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import type { Server } from "node:http";
import { after, before, describe, it } from "node:test";
import { chromium, type Browser, type Page } from "playwright-core";
import { ROOT } from "../support/jobs.js";
import { suiteFiles, suiteSizes } from "../support/suites.js";
import { CHROMIUM, startHarness, type RunResult } from "./harness.js";

const NEEDS_NODE = /from "(node:(fs|os|path)|mpi4ts\/futures|\.\.\/futures\/tasks\.js)"|\.Spawn\(/;
const SUITES = suiteFiles().filter((file) => !file.endsWith("/fuzz.suite.ts") && !NEEDS_NODE.test(readFileSync(`${ROOT}${file}`, "utf8")));
const name = (file: string) => file.replace(/\W/g, "_");

describe("the API suites in chromium (browser runtime)", { skip: CHROMIUM ? false : "chromium is not installed (apt-get install chromium)" }, () => {
  let server: Server;
  let browser: Browser;
  let page: Page;

  before(async () => {
    const harness = await startHarness(Object.fromEntries(SUITES.map((file) => [name(file), file])));
    server = harness.server;
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ["--no-sandbox"] });
    page = await browser.newPage();
    await page.goto(harness.url);
    await page.waitForFunction(() => (globalThis as unknown as { ready?: boolean }).ready === true);
  });
  after(async () => {
    await browser?.close();
    server?.close();
  });

  it("covers most suites", () => assert.ok(SUITES.length >= 30, SUITES.join(" ")));

  for (const file of SUITES) {
    const sizes = suiteSizes(file).filter((n) => n <= 4);
    for (const size of new Set([sizes[0]!, sizes.at(-1)!])) {
      it(`${file.slice("test/suites/".length)} at ${size} rank${size === 1 ? "" : "s"}`, async () => {
        const r = await page.evaluate(([n, s]) => (globalThis as unknown as { runProgram(...x: unknown[]): Promise<RunResult> }).runProgram(n, s, undefined, []),
          [name(file), size] as const);
        assert.equal(r.code, 0, `${r.reports.join("\n")}\n${r.lines.map((l) => `[${l.rank}] ${l.line}`).join("\n").slice(0, 2000)}`);
      });
    }
  }
});
