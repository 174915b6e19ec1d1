/** The per-host cache of compiled programs (src/cli/program-cache.ts), and `mpi4ts run`/`exec` using it. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { cachedProgram, sha256, type Compiled } from "../../src/cli/program-cache.js";
import { ROOT, explain, mpi4ts } from "../support/jobs.js";
import { openmpiSkip } from "../native/support.js";

const scratch = mkdtempSync(join(tmpdir(), "mpi4ts-cache-test-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

function withCache<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const before = process.env.MPI4TS_CACHE_DIR;
  process.env.MPI4TS_CACHE_DIR = dir;
  return body().finally(() => {
    if (before === undefined) delete process.env.MPI4TS_CACHE_DIR;
    else process.env.MPI4TS_CACHE_DIR = before;
  });
}

describe("compiled-program cache", () => {
  it("compiles once, until a file that went into the program changes", async () => {
    const dir = join(scratch, "unit");
    const source = join(scratch, "input.ts");
    writeFileSync(source, "one");
    let compiles = 0;
    const compile = async (): Promise<Compiled> => {
      compiles++;
      const text = readFileSync(source, "utf8");
      return { code: new TextEncoder().encode(`export default ${JSON.stringify(text)};`), inputs: [[source, sha256(text)]] };
    };
    await withCache(dir, async () => {
      // many ranks of one host at once: one compiles, the others wait for its result
      const urls = await Promise.all(Array.from({ length: 8 }, () => cachedProgram(source, "salt", compile)));
      assert.equal(compiles, 1);
      assert.equal(new Set(urls).size, 1);
      assert.equal(readFileSync(fileURLToPath(urls[0]!), "utf8"), 'export default "one";');
      await cachedProgram(source, "salt", compile);
      assert.equal(compiles, 1, "found in the cache");
      writeFileSync(source, "two");
      const changed = await cachedProgram(source, "salt", compile);
      assert.equal(compiles, 2, "an input changed");
      assert.equal(readFileSync(fileURLToPath(changed!), "utf8"), 'export default "two";');
      await cachedProgram(source, "other settings", compile);
      assert.equal(compiles, 3, "the salt is part of the key");
    });
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".lock") || f.includes(".mjs.")), [], "no lock or partial file left");
  });

  it("answers undefined when the cache cannot be written, so the caller compiles without it", async () => {
    const blocker = join(scratch, "a-file");
    writeFileSync(blocker, "");
    const url = await withCache(join(blocker, "cache"), () => cachedProgram("x.ts", "salt", async () => ({ code: new Uint8Array(), inputs: [] })));
    assert.equal(url, undefined);
  });

  const program = join(ROOT, "test", "cli", "fixtures", "cached");
  const runs = [["local", ["run", "-n", "2"]], ["mpi", ["run", "--engine", "mpi", "--oversubscribe", "-n", "3"]]] as const;
  for (const [engine, args] of runs) {
    it(`is used by mpi4ts run on the ${engine} engine, and sees an imported module change`, { skip: engine === "mpi" ? openmpiSkip() : undefined }, async () => {
      const dir = join(scratch, engine);
      const env = { ...process.env, MPI4TS_CACHE_DIR: dir };
      const size = engine === "local" ? 2 : 3;
      const run = () => mpi4ts([...args, join(program, "main.ts")], { env, timeoutMs: 60_000 });
      writeFileSync(join(program, "word.ts"), `export const word = "first";\n`);
      try {
        const first = await run();
        assert.equal(first.code, 0, explain(first));
        assert.equal(first.stdout.trim().split("\n").filter((l) => l === "first").length, size);
        const outputs = readdirSync(dir).filter((f) => f.endsWith(".mjs"));
        assert.equal(outputs.length, 1, "one compiled program, however many ranks");
        const second = await run();
        assert.equal(second.code, 0, explain(second));
        assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith(".mjs")), outputs, "the same compiled program again");
        writeFileSync(join(program, "word.ts"), `export const word = "second";\n`);
        const third = await run();
        assert.equal(third.code, 0, explain(third));
        assert.equal(third.stdout.trim().split("\n").filter((l) => l === "second").length, size);
      } finally {
        writeFileSync(join(program, "word.ts"), `export const word = "first";\n`);
      }
    });
  }
});
