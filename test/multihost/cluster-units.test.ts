/**
 * The parts of `mpi4ts cluster` that need no hosts: address ranges, hostfile text, the probe's parsing, the
 * doctor's diagnosis and interface advice, the check before `run --hostfile` on this host alone, and the command
 * line's refusals. The commands against real ssh servers are in cluster.test.ts.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { addressesOf, hostfileText } from "../../src/cli/cluster/discover.js";
import { diagnose, heatMapSvg, interfaceAdvice } from "../../src/cli/cluster/doctor.js";
import { machineMatchesArch, parseProbe } from "../../src/cli/cluster/probe.js";
import { readHostfile } from "../../src/cli/hostfile.js";
import { ROOT, explain, mpichSkip, run } from "../native/support.js";

const mpi4ts = (args: string[], env: NodeJS.ProcessEnv = process.env) => run(process.execPath, [`${ROOT}bin/mpi4ts.js`, ...args], { env, timeoutMs: 60_000 });

describe("cluster: the pieces", () => {
  it("addressesOf lists a range's host addresses and refuses large ones", () => {
    assert.deepEqual(addressesOf("10.0.0.0/30"), ["10.0.0.1", "10.0.0.2"]);
    assert.deepEqual(addressesOf("10.0.0.7/31"), ["10.0.0.6", "10.0.0.7"]);
    assert.deepEqual(addressesOf("192.168.1.9"), ["192.168.1.9"]);
    assert.equal(addressesOf("192.168.1.77/24").length, 254);
    assert.equal(addressesOf("192.168.1.77/24")[0], "192.168.1.1");
    assert.equal(addressesOf("10.1.0.0/20").length, 4094);
    assert.throws(() => addressesOf("10.0.0.0/16"), /65536 addresses; name a range of at most 4096/);
    assert.throws(() => addressesOf("10.0.0.300/24"), /expected an IPv4 range/);
    assert.throws(() => addressesOf("pi.local"), /expected an IPv4 range/);
  });

  it("hostfileText writes both forms, leaving out hosts ssh refused, and readHostfile reads them back", () => {
    const hosts = [{ address: "10.0.0.11", name: "pi1", cores: 4 }, { address: "10.0.0.12", sshProblem: "ssh: needs a password", fix: "ssh-copy-id" }, { address: "10.0.0.13", cores: 2 }];
    const dir = mkdtempSync(join(tmpdir(), "mpi4ts-cluster-units-"));
    try {
      for (const [format, text] of [["openmpi", "10.0.0.11 slots=4   # pi1\n10.0.0.13 slots=2\n"], ["mpich", "10.0.0.11:4\n10.0.0.13:2\n"]] as const) {
        assert.equal(hostfileText(hosts, format), text);
        writeFileSync(join(dir, format), text);
        assert.deepEqual(readHostfile(join(dir, format)).map((h) => [h.host, h.slots]), [["10.0.0.11", 4], ["10.0.0.13", 2]]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("parseProbe reads the probe's lines; machineMatchesArch pairs ELF machines with uname -m", () => {
    const p = parseProbe("clock=1700000000123\nhost=pi1\narch=aarch64\ncores=4\nmem_kb=800000\nnode_path=/usr/bin/node\nnode_version=v20.1.0\nexec_version=\nmpi4ts_version=0.1.0\naddon=build/Release 183 openmpi\nmpi=mpirun (Open MPI) 4.1.4\ndir=yes\nif=lo 127.0.0.1/8\nif=eth0 192.168.1.11/24\n");
    assert.equal(p.clockMs, 1700000000123);
    assert.equal(p.cores, 4);
    assert.equal(p.execVersion, "");
    assert.deepEqual(p.addons, [{ dir: "build/Release", machine: 183, flavour: "openmpi" }]);
    assert.equal(p.dirExists, true);
    assert.equal(p.rsync, false);
    assert.deepEqual(p.interfaces[1], { name: "eth0", cidr: "192.168.1.11/24" });
    assert.equal(parseProbe("host=x\n").mpi4tsVersion, undefined);
    assert.ok(machineMatchesArch(183, "aarch64") && machineMatchesArch(62, "x86_64") && machineMatchesArch(40, "armv7l"));
    assert.ok(!machineMatchesArch(62, "aarch64") && !machineMatchesArch(183, "x86_64") && !machineMatchesArch(40, "aarch64"));
  });

  it("diagnose names the slow link, and a host all of whose links are slow", () => {
    const names = ["a", "b", "c", "d"];
    const bw = (slow: (i: number, j: number) => boolean) => names.map((_, i) => names.map((_, j) => (i === j ? 0 : slow(i, j) ? 5 : 100)));
    const lat = names.map(() => names.map(() => 20));
    const one = diagnose({ names, latencyUs: lat, bandwidthMBs: bw((i, j) => i + j === 1) }, names);
    assert.deepEqual(one.slowLinks.map((l) => [l.i, l.j]), [[0, 1]]);
    assert.match(one.slowLinks[0]!.why, /^a ↔ b: 5\.0 MB\/s, the median link has 100\.0/);
    assert.deepEqual(one.slowHosts, []);
    const host = diagnose({ names, latencyUs: lat, bandwidthMBs: bw((i, j) => i === 2 || j === 2) }, names);
    assert.deepEqual(host.slowHosts, [2]);
    const even = diagnose({ names, latencyUs: lat, bandwidthMBs: bw(() => false) }, names);
    assert.deepEqual(even.slowLinks, []);
    const svg = heatMapSvg({ names, latencyUs: lat, bandwidthMBs: bw((i, j) => i + j === 1) }, names, one.slowLinks);
    assert.equal((svg.match(/<rect /g) ?? []).length, 16);
    assert.equal((svg.match(/stroke-width="3"/g) ?? []).length, 2);
  });

  it("interfaceAdvice names the other interfaces and the options that pin the hostfile's network", () => {
    const probe = (addr: string, extra: string) => parseProbe(`if=lo 127.0.0.1/8\nif=eth0 ${addr}/24\n${extra}`);
    const probes = [probe("192.168.1.11", "if=docker0 172.17.0.1/16\n"), probe("192.168.1.12", "")];
    const advice = interfaceAdvice(["pi1", "pi2"], ["192.168.1.11", "192.168.1.12"], probes, "openmpi", []);
    assert.match(advice[0]!, /pi1: docker0 172\.17\.0\.1\/16/);
    assert.match(advice[1]!, /--mca btl_tcp_if_include 192\.168\.1\.0\/24 --mca oob_tcp_if_include 192\.168\.1\.0\/24/);
    assert.match(interfaceAdvice(["pi1", "pi2"], ["192.168.1.11", "192.168.1.12"], probes, "mpich", [])[1]!, /-iface eth0/);
    assert.deepEqual(interfaceAdvice(["pi1", "pi2"], ["192.168.1.11", "192.168.1.12"], probes, "openmpi", ["--mca", "btl_tcp_if_include", "192.168.1.0/24"]), []);
    assert.deepEqual(interfaceAdvice(["pi1", "pi2"], ["192.168.1.11", "192.168.1.12"], [probe("192.168.1.11", ""), probe("192.168.1.12", "")], "openmpi", []), []);
  });
});

describe("cluster: the command line", () => {
  it("refuses what it cannot do, in one line, with exit code 2", async () => {
    for (const [args, message] of [
      [["cluster", "check"], /cluster check needs --hostfile FILE/],
      [["cluster", "discover", "10.0.0.0/8"], /16777216 addresses; name a range of at most 4096/],
      [["cluster", "discover", "10.0.0.0/24", "--port", "0"], /--port 0: expected 1\.\.65535/],
      [["cluster", "discover", "10.0.0.0/24", "--format", "lam"], /--format lam: expected openmpi or mpich/],
      [["cluster", "sync", "--hostfile", "no/such/hosts"], /--hostfile no\/such\/hosts: no such file/],
      [["cluster", "doctor", "--hostfile", `${ROOT}test/multihost/cluster-units.test.ts`], /is not a host line/],
      [["cluster", "check", "--hostfile", "h", "--wat"], /unknown option --wat/],
      [["cluster", "heal"], /cluster heal: unknown subcommand/],
    ] as const) {
      const r = await mpi4ts([...args]);
      assert.equal(r.code, 2, explain(r));
      assert.match(r.stderr, message);
    }
  });

  it("has help for each subcommand", async () => {
    for (const sub of ["check", "discover", "sync", "doctor"]) {
      const r = await mpi4ts(["cluster", sub, "--help"]);
      assert.equal(r.code, 0, explain(r));
      assert.match(r.stdout, new RegExp(`^usage: mpi4ts cluster ${sub} `));
    }
    const all = await mpi4ts(["help", "cluster"]);
    assert.equal(all.code, 0, explain(all));
    for (const sub of ["check", "discover", "sync", "doctor"]) assert.match(all.stdout, new RegExp(`usage: mpi4ts cluster ${sub} `));
    assert.match((await mpi4ts(["help", "run"])).stdout, /--no-cluster-check/);
  });

  it("checks this host alone without ssh, and a doctor needs two hosts", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mpi4ts-cluster-units-"));
    try {
      writeFileSync(join(dir, "hosts"), "localhost slots=2\n");
      const r = await mpi4ts(["cluster", "check", "--hostfile", join(dir, "hosts"), "--json", dir], { ...process.env, MPI4TS_SSH: "/bin/false" });
      const report = JSON.parse(r.stdout) as { hosts: { host: string; local: boolean; findings: { item: string; verdict: string; cell: string }[] }[] };
      assert.equal(report.hosts[0]!.local, true);
      assert.equal(report.hosts[0]!.findings.find((f) => f.item === "ssh")!.cell, "local");
      assert.equal(report.hosts[0]!.findings.find((f) => f.item === "dir")!.verdict, "ok");
      if (!mpichSkip()) {
        // With MPICH as the head's MPI, the addon wanted is the MPICH build and the version compared is Hydra's.
        const mpich = await mpi4ts(["cluster", "check", "--hostfile", join(dir, "hosts"), "--json", dir], { ...process.env, MPI4TS_MPIEXEC: "mpiexec.mpich" });
        assert.equal(mpich.code, 0, explain(mpich));
        const parsed = JSON.parse(mpich.stdout) as { target: { flavour: string }; head: { mpi: string } };
        assert.equal(parsed.target.flavour, "mpich");
        assert.match(parsed.head.mpi, /^Version:\s+\d/);
      }
      const doctor = await mpi4ts(["cluster", "doctor", "--hostfile", join(dir, "hosts")]);
      assert.equal(doctor.code, 2, explain(doctor));
      assert.match(doctor.stderr, /names 1 host; links need two or more/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
