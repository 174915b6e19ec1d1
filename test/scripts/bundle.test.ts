/**
 * scripts/bundle.mjs replaces dist/bundle in place: a program started while it runs (a rebuild during a test
 * run) always finds whole files. Before, the directory was removed first and such programs failed with
 * ERR_MODULE_NOT_FOUND.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { it } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, MPI4TS_ENGINE: "self" } });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
    child.on("close", (code) => resolve({ code, stderr }));
  });
}

it("programs that load the bundle while it is rebuilt find it whole", { timeout: 120_000 }, async () => {
  let building = true;
  const failures: string[] = [];
  let loads = 0;
  const loaders = Array.from({ length: 2 }, async () => {
    while (building) {
      const result = await run(["--input-type=module", "-e", "await import('./dist/bundle/index.js'); await import('./dist/bundle/futures.js');"]);
      loads++;
      if (result.code !== 0) failures.push(result.stderr);
    }
  });
  for (let i = 0; i < 4; i++) {
    const build = await run(["scripts/bundle.mjs"]);
    assert.equal(build.code, 0, build.stderr);
  }
  building = false;
  await Promise.all(loaders);
  assert.ok(loads > 0);
  assert.deepEqual(failures, [], `${failures.length} of ${loads} loads failed`);
});
