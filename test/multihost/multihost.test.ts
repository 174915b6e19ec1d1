/**
 * Several hosts on one machine: network namespaces made by cluster.sh (each with its own IP address and
 * hostname), one mpi4ts rank per host, Open MPI's TCP transport between them (daemons started through
 * agent.sh instead of ssh). Checks that ranks ran on different hosts, that data crossed the veths, and that a
 * rank killed mid-job ends the whole job (bounded by mpirun --timeout and an outer timeout) with nothing left
 * running. The cluster is always torn down. Needs root, iproute2 (`ip netns`), util-linux and Open MPI.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { ROOT, explain, onPath, openmpiSkip, run } from "../native/support.js";

const STATE = "/run/mpi4ts-cluster";
const CLUSTER = `${ROOT}test/multihost/cluster.sh`;
const HOSTS = 3;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)";
  if (spawnSync("ip", ["netns", "list"], { stdio: "ignore" }).status !== 0) return "`ip netns` is not available";
  if (!onPath("unshare") || !onPath("nsenter")) return "util-linux (unshare, nsenter) is missing";
  return openmpiSkip();
}

function rxBytes(host: number): number {
  return Number(readFileSync(`/sys/class/net/v-m4ts-h${host}/statistics/rx_bytes`, "utf8"));
}

/** `extra`: the program's arguments; `options`: mpirun's own. */
function mpirunArgs(extra: string[], options: string[] = []): string[] {
  return [
    "-k", "5", "80", "mpirun.openmpi", "--allow-run-as-root", "--hostfile", `${STATE}/hostfile`, "-np", String(HOSTS), ...options,
    "--mca", "plm_rsh_agent", `${ROOT}test/multihost/agent.sh`, "--mca", "plm_rsh_no_tree_spawn", "1",
    "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "10.231.7.0/24", "--mca", "oob_tcp_if_include", "10.231.7.0/24",
    "--timeout", "60", process.execPath, `${ROOT}bin/mpi4ts.js`, "exec", `${ROOT}test/multihost/program.ts`, ...extra,
  ];
}

const skip = skipReason();
describe("multi-host jobs over TCP between network namespaces", { skip }, () => {
  before(() => {
    const r = spawnSync("bash", [CLUSTER, "up", String(HOSTS)], { encoding: "utf8" });
    assert.equal(r.status, 0, `cluster setup failed:\n${r.stdout}\n${r.stderr}`);
  });
  after(() => {
    spawnSync("bash", [CLUSTER, "down"], { stdio: "ignore" });
  });

  it("runs one rank per host and moves data between hosts", async () => {
    const before = Array.from({ length: HOSTS }, (_, i) => rxBytes(i + 1));
    const r = await run("timeout", mpirunArgs([]), { timeoutMs: 100_000 });
    assert.equal(r.code, 0, explain(r));
    const hosts = /HOSTS (\[.*\])/.exec(r.stdout);
    assert.ok(hosts, explain(r));
    const names = JSON.parse(hosts[1]!) as string[];
    assert.deepEqual(names, ["m4ts-h1", "m4ts-h2", "m4ts-h3"]);
    assert.match(r.stdout, /MULTIHOST OK/);
    // Every host received at least the 16 MiB of its two ring exchanges through its own veth.
    const after = Array.from({ length: HOSTS }, (_, i) => rxBytes(i + 1));
    after.forEach((v, i) => assert.ok(v - before[i]! > 16 << 20, `host ${i + 1} received ${v - before[i]!} bytes`));
  });

  it("merges a trace on rank 0's host, though the hosts share no file system", async () => {
    // Each host sees its own folder as ${STATE}/private (agent.sh): the ranks hand their parts to rank 0.
    const r = await run("timeout", mpirunArgs([], ["-x", "MPI4TS_TRACE"]), { timeoutMs: 100_000, env: { ...process.env, MPI4TS_TRACE: `${STATE}/private/trace.json` } });
    assert.equal(r.code, 0, explain(r));
    const trace = JSON.parse(readFileSync(`${STATE}/m4ts-h1.private/trace.json`, "utf8")) as { mpi4ts: { hosts: string[]; endings: string[] } };
    assert.deepEqual(trace.mpi4ts.hosts, ["m4ts-h1", "m4ts-h2", "m4ts-h3"], explain(r));
    assert.deepEqual(trace.mpi4ts.endings, ["exit 0", "exit 0", "exit 0"], explain(r));
    for (const host of [1, 2, 3]) assert.deepEqual(readdirSync(`${STATE}/m4ts-h${host}.private`), host === 1 ? ["trace.json"] : [], `host ${host}'s folder`);
  });

  it("ends the whole job when a rank is killed mid-job, leaving nothing running", async () => {
    const started = Date.now();
    const r = await run("timeout", mpirunArgs(["--kill", "1"]), { timeoutMs: 100_000 });
    assert.notEqual(r.code, 0, explain(r));
    assert.ok(Date.now() - started < 70_000, "ended by mpirun, before the outer timeout");
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const left = spawnSync("bash", [CLUSTER, "pids"], { encoding: "utf8" }).stdout.trim();
    assert.equal(left, "", `processes left in the namespaces: ${left}`);
  });
});
