/**
 * mpi4ts as a dependency of someone else's project: `npm pack`, install the tarball into a fresh project, and run
 * a TypeScript program that imports "mpi4ts" with `npx mpi4ts run` (local engine) and with plain tsx (self).
 * Catches what a checkout hides: files missing from the package, paths that only resolve inside the repository.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ROOT, explain, runProcess } from "../support/jobs.js";

const work = mkdtempSync(join(tmpdir(), "mpi4ts-package-"));
after(() => rmSync(work, { recursive: true, force: true }));

/** npm, from the cache `npm ci` filled where it can. */
const npm = (args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) =>
  runProcess("npm", [...args, "--no-audit", "--no-fund", "--prefer-offline"], { cwd, env, timeoutMs: 300_000 });

const PROGRAM = `import { MPI } from "mpi4ts";
const comm = MPI.COMM_WORLD;
const total = comm.allreduce(comm.rank + 1);
const data = comm.bcast<number[]>(comm.rank === 0 ? [1, 2, 3] : null);
console.log(\`rank \${comm.rank}/\${comm.size} total \${total} data \${data.join(",")}\`);
`;

describe("mpi4ts installed as a dependency", () => {
  it("runs a TypeScript program of another project, on the local and self engines", async () => {
    const pack = await npm(["pack", "--pack-destination", work], ROOT);
    assert.equal(pack.code, 0, explain(pack));
    const tarball = pack.stdout.trim().split("\n").pop()!;
    const app = join(work, "app");
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
    writeFileSync(join(app, "app.ts"), PROGRAM);
    // The native addon is built by the dependency's own install script where MPI is present; not needed here.
    // tsx only for the self engine below: mpi4ts itself does not need it at run time.
    const install = await npm(["install", join(work, tarball), "tsx"], app, { ...process.env, MPI4TS_SKIP_NATIVE: "1", MPI4TS_REQUIRE_NATIVE: "" });
    assert.equal(install.code, 0, explain(install));

    // What the docs link to is in the package; what runs only at build or test time is not a dependency.
    const installed = join(app, "node_modules", "mpi4ts");
    for (const file of ["LICENSE", "README.md", "docs/api.md", "docs/mpi4py-mapping.md", "examples/hello.ts"]) {
      assert.ok(existsSync(join(installed, file)), `${file} is in the package`);
    }
    // @internal members are not in the published declarations (tsconfig.build.json: stripInternal)
    const declarations = readFileSync(join(installed, "dist", "comm.d.ts"), "utf8");
    for (const member of ["engineComm(", "bufferSink(", "valueSink("]) assert.ok(!declarations.includes(member), `${member} is internal`);
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    assert.deepEqual(Object.keys(manifest.dependencies).sort(), ["esbuild", "esbuild-wasm", "node-addon-api"]);
    // The playground ships what it serves: its page, the compiler it runs in the page (a dependency), the examples.
    const site = await runProcess("npx", ["mpi4ts", "playground", "--build", "site"], { cwd: app });
    assert.equal(site.code, 0, explain(site));
    for (const file of ["index.html", "element.js", "catalog.json", "esbuild/esbuild.wasm", "examples/patternlets/07-ring.ts", "README.md"]) {
      assert.ok(existsSync(join(app, "site", file)), `playground --build wrote ${file}`);
    }
    const example = await runProcess("npx", ["mpi4ts", "run", "-n", "2", "node_modules/mpi4ts/examples/hello.ts"], { cwd: app });
    assert.equal(example.code, 0, explain(example));
    assert.equal(example.stdout.trim().split("\n").length, 2, explain(example));

    const run = await runProcess("npx", ["mpi4ts", "run", "-n", "3", "app.ts"], { cwd: app });
    assert.equal(run.code, 0, explain(run));
    assert.deepEqual(run.stdout.trim().split("\n").sort(), [0, 1, 2].map((r) => `rank ${r}/3 total 6 data 1,2,3`));

    const self = await runProcess("npx", ["tsx", "app.ts"], { cwd: app });
    assert.equal(self.code, 0, explain(self));
    assert.equal(self.stdout.trim(), "rank 0/1 total 1 data 1,2,3");

    // mpi4ts init: a project whose strict type check accepts top-level await, and whose npm start runs 4 ranks.
    const init = await runProcess("npx", ["mpi4ts", "init", "project"], { cwd: app });
    assert.equal(init.code, 0, explain(init));
    const project = join(app, "project");
    const setup = await npm(["install", join(work, tarball), "typescript", "@types/node"], project, { ...process.env, MPI4TS_SKIP_NATIVE: "1" });
    assert.equal(setup.code, 0, explain(setup));
    const typecheck = await runProcess("npm", ["run", "typecheck"], { cwd: project });
    assert.equal(typecheck.code, 0, explain(typecheck));
    const start = await runProcess("npm", ["start"], { cwd: project });
    assert.equal(start.code, 0, explain(start));
    assert.equal(start.stdout.split("\n").filter((line) => /^rank \d of 4 on .* got "greetings from rank \d"$/.test(line)).length, 4, explain(start));
    assert.match(start.stdout, /the ranks add up to 6/);
  });
});
