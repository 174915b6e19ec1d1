/**
 * MPI.File against MPI-IO: the same 2-D grid (subarray view) and interleaved ints (resized filetype) written by
 * mpi4ts on the local engine, by mpi4ts on the mpi engine and by mpi4py (Open MPI's MPI-IO) are byte-identical,
 * and each side reads the other's file back with the same views (test/native/interop/file-prog.ts, file_prog.py).
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { ROOT, explain, openmpiArgs, openmpiSkip, run, skippedWithoutMpi4py } from "./support.js";

const NP = 4;
const TS = `${ROOT}test/native/interop/file-prog.ts`;
const PY = `${ROOT}test/native/interop/file_prog.py`;
const dir = mkdtempSync(join(tmpdir(), "mpi4ts-file-interop-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function mpi4ts(engine: "local" | "mpi", mode: string, file: string): Promise<void> {
  const env = { ...process.env, OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1" };
  const args = [`${ROOT}bin/mpi4ts.js`, "run", "--timeout", "60", ...(engine === "mpi" ? ["--engine", "mpi", "--oversubscribe"] : []), "-n", String(NP), TS, mode, file];
  const r = await run(process.execPath, args, { timeoutMs: 90_000, env });
  assert.equal(r.code, 0, explain(r));
  for (let k = 0; k < NP; k++) assert.ok(r.stdout.includes(`file ${mode} ts rank ${k} ok`), explain(r));
}

async function mpi4py(mode: string, file: string): Promise<void> {
  const r = await run("mpirun.openmpi", [...openmpiArgs(NP, 60), "/usr/bin/python3", PY, mode, file], { timeoutMs: 90_000 });
  assert.equal(r.code, 0, explain(r));
  for (let k = 0; k < NP; k++) assert.ok(r.stdout.includes(`file ${mode} py rank ${k} ok`), explain(r));
}

describe("MPI.File interop with mpi4py (MPI-IO on Open MPI)", { skip: openmpiSkip() }, () => {
  it("files written by mpi4ts on both engines and by mpi4py are byte-identical and read back by each other", async (t) => {
    if (await skippedWithoutMpi4py(t)) return;
    const local = join(dir, "local.bin"), native = join(dir, "mpi.bin"), py = join(dir, "py.bin");
    await mpi4ts("local", "write", local);
    await mpi4ts("mpi", "write", native);
    await mpi4py("write", py);
    const reference = readFileSync(py);
    assert.ok(reference.length > 16);
    assert.deepEqual(readFileSync(local), reference, "local engine vs MPI-IO");
    assert.deepEqual(readFileSync(native), reference, "mpi engine vs MPI-IO");
    await mpi4py("read", local);
    await mpi4ts("local", "read", py);
    await mpi4ts("mpi", "read", py);
  });
});
