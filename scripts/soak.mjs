#!/usr/bin/env node
// Soak of the mpi engine: the API suites that run under MPI (32 of them) run many times in a row at 2-4 ranks
// under Open MPI and MPICH, each job bounded by a timeout, so a hang that shows once in a hundred runs is counted,
// not missed. `npm run soak` runs 4 rounds (768 jobs, about 30 minutes on 2 cores); test/native/soak.test.ts runs
// a short one in `npm test`.
//
//   node scripts/soak.mjs [--rounds N] [--sizes 2,3,4] [--mpi openmpi,mpich] [--suites p2p,collective,...]
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const args = process.argv.slice(2);
function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}
const rounds = Number(option("rounds", "4"));
const sizes = option("sizes", "2,3,4").split(",").map(Number);
const ALL_SUITES = [
  "p2p", "p2p-tags", "p2p-pending", "p2p-modes", "p2p-stress", "message", "request", "request-free", "prequest",
  "collective", "collective-alias", "collective-nb", "collective-progress", "collective-persistent", "refusals",
  "op", "op-local", "datatype", "alltoallw", "comm", "comm-more", "comm-idup", "group", "cart", "topo-graph",
  "neighbor", "intercomm", "spawn", "futures", "file", "win", "win-origin", "win-dynamic",
];
const suites = option("suites", ALL_SUITES.join(",")).split(",");
const TIMEOUT_SEC = 90;

const MPIS = {
  openmpi: { mpiexec: "mpirun.openmpi", addon: `${ROOT}build/Release/mpi4ts_native.node` },
  mpich: { mpiexec: "mpiexec.mpich", addon: `${ROOT}build/mpich/Release/mpi4ts_native.node` },
};
const mpis = option("mpi", "openmpi,mpich").split(",").filter((name) => {
  if (existsSync(MPIS[name]?.addon ?? "")) return true;
  console.log(`soak: skipping ${name} (no addon built against it)`);
  return false;
});

/** One job through `mpi4ts run --engine mpi`, bounded twice: by the launcher's --timeout and by a kill here. */
function job(mpi, suite, size) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${ROOT}bin/mpi4ts.js`, "run", "--engine", "mpi", "--oversubscribe", "--timeout", String(TIMEOUT_SEC), "-n", String(size), `test/suites/${suite}.suite.ts`], {
      cwd: ROOT, env: { ...process.env, MPI4TS_MPIEXEC: MPIS[mpi].mpiexec }, stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => { output += d; });
    child.stderr.on("data", (d) => { output += d; });
    const killer = setTimeout(() => child.kill("SIGKILL"), (TIMEOUT_SEC + 20) * 1000);
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, output });
    });
  });
}

const started = Date.now();
let runs = 0;
const failures = [];
for (let round = 1; round <= rounds; round++) {
  for (const mpi of mpis) {
    for (const suite of suites) {
      for (const size of sizes) {
        const r = await job(mpi, suite, size);
        runs++;
        if (r.code !== 0) {
          // 124 is the launcher's --timeout: a hang.
          const what = r.code === 124 || r.signal === "SIGKILL" ? "HANG" : `exit ${r.code ?? r.signal}`;
          failures.push(`${what}: ${suite} on ${mpi}, ${size} ranks, round ${round}\n${r.output.slice(-2000)}`);
          console.log(`soak: ${what}: ${suite} on ${mpi}, ${size} ranks, round ${round}`);
        }
      }
    }
  }
  console.log(`soak: round ${round}/${rounds} done, ${runs} jobs, ${failures.length} failed (${((Date.now() - started) / 1000).toFixed(0)} s)`);
}
for (const f of failures) console.log(`\n${f}`);
console.log(`${runs - failures.length} passed, ${failures.length} failed`);
process.exit(failures.length === 0 ? 0 : 1);
