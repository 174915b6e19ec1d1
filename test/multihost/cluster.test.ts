/**
 * `mpi4ts cluster check|discover|sync` and the check before `run --hostfile`, against real OpenSSH servers: five
 * network-namespace hosts (cluster.sh, a subnet of their own so that multihost.test.ts can run beside them), an
 * sshd in each with a key pair made here, each host in a mount namespace of its own so that one host can lack
 * what the others have:
 *   c1 good · c2 no node (an empty file over /usr/bin/node) · c3 no ssh server (refused) ·
 *   c4 another mpi4ts version (a package.json over the package's) · c5 the program's directory missing (tmpfs)
 *   and no rsync (sync then uses scp).
 * Everything made here (namespaces, sshds, keys, files) is removed afterwards.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { ROOT, explain, onPath, openmpiSkip, run, type Result } from "../native/support.js";

const CLUSTER = `${ROOT}test/multihost/cluster.sh`;
const NET = "10.231.8";
const PREFIX = "m4ts-c";
const PORT = 2222;
const HOSTS = 5;
const address = (i: number) => `${NET}.${10 + i}`;

function skipReason(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root (network namespaces)";
  if (spawnSync("ip", ["netns", "list"], { stdio: "ignore" }).status !== 0) return "`ip netns` is not available";
  if (!onPath("unshare") || !onPath("nsenter")) return "util-linux (unshare, nsenter) is missing";
  if (!existsSync("/usr/sbin/sshd") || !onPath("ssh-keygen")) return "OpenSSH is missing (apt-get install openssh-server)";
  if (!onPath("rsync")) return "rsync is missing (apt-get install rsync)";
  return openmpiSkip();
}

const skip = skipReason();
describe("cluster check, discover, sync and run --hostfile over real ssh", { skip, timeout: 300_000 }, () => {
  const tmp = skip ? "" : mkdtempSync("/tmp/m4ts-cluster-");
  const state = `${tmp}/state`;
  const app = `${tmp}/apps/app`;
  const clusterEnv = { ...process.env, M4TS_STATE: state, M4TS_BR: "m4tscl0", M4TS_NET: NET, M4TS_PREFIX: PREFIX };
  const env = { ...process.env, MPI4TS_SSH: `ssh -F ${tmp}/ssh_config`, MPI4TS_CACHE_DIR: `${tmp}/cache` };
  const sshds: ChildProcess[] = [];
  let madeRunSshd = false;

  const hostfile = (name: string, hosts: number[]) => {
    writeFileSync(`${tmp}/${name}`, hosts.map((i) => `${address(i)} slots=1\n`).join(""));
    return `${tmp}/${name}`;
  };
  const mpi4ts = (args: string[], timeoutMs = 60_000): Promise<Result> =>
    run(process.execPath, [`${ROOT}bin/mpi4ts.js`, ...args], { env, timeoutMs });

  const answers = (host: string) => new Promise<boolean>((resolve) => {
    const s = connect(PORT, host);
    s.setTimeout(500, () => { s.destroy(); resolve(false); });
    s.once("data", (d) => { s.destroy(); resolve(d.toString().startsWith("SSH-")); });
    s.once("error", () => resolve(false));
  });

  before(async () => {
    const up = spawnSync("bash", [CLUSTER, "up", String(HOSTS)], { encoding: "utf8", env: clusterEnv });
    assert.equal(up.status, 0, `cluster setup failed:\n${up.stdout}\n${up.stderr}`);
    for (const key of ["id", "hostkey"]) {
      const r = spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "mpi4ts-cluster-test", "-f", `${tmp}/${key}`]);
      assert.equal(r.status, 0, String(r.stderr));
    }
    copyFileSync(`${tmp}/id.pub`, `${tmp}/authorized_keys`);
    chmodSync(`${tmp}/authorized_keys`, 0o600);
    writeFileSync(`${tmp}/sshd_config`, [
      `Port ${PORT}`, "ListenAddress 0.0.0.0", `HostKey ${tmp}/hostkey`, "PidFile none", `AuthorizedKeysFile ${tmp}/authorized_keys`,
      "PasswordAuthentication no", "KbdInteractiveAuthentication no", "UsePAM no", "PermitRootLogin prohibit-password",
      "StrictModes no", "Subsystem sftp internal-sftp", "",
    ].join("\n"));
    writeFileSync(`${tmp}/ssh_config`, [
      "Host *", `  Port ${PORT}`, "  User root", `  IdentityFile ${tmp}/id`, "  IdentitiesOnly yes",
      `  UserKnownHostsFile ${tmp}/known_hosts`, "  GlobalKnownHostsFile /dev/null", "  LogLevel ERROR", "",
    ].join("\n"));
    mkdirSync(app, { recursive: true });
    writeFileSync(`${app}/where.ts`, [
      `import { MPI } from "${ROOT}dist/index.js";`,
      "const names = MPI.COMM_WORLD.allgather(MPI.Get_processor_name());",
      "if (MPI.COMM_WORLD.rank === 0) console.log(`HOSTS ${JSON.stringify(names)}`);", "",
    ].join("\n"));
    writeFileSync(`${tmp}/not-node`, "");
    const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { version: string };
    writeFileSync(`${tmp}/other-package.json`, `${JSON.stringify({ ...pkg, version: "0.0.99" }, null, 2)}\n`);
    if (!existsSync("/run/sshd")) { mkdirSync("/run/sshd", { mode: 0o755 }); madeRunSshd = true; }
    const faults: Record<number, string> = {
      2: `mount --bind ${tmp}/not-node ${process.execPath}`,
      4: `mount --bind ${tmp}/other-package.json ${ROOT}package.json`,
      // ... and no working rsync, so that sync copies to it with scp.
      5: `mount -t tmpfs m4ts-empty ${tmp}/apps && mount --bind ${tmp}/not-node /usr/bin/rsync`,
    };
    for (const i of [1, 2, 4, 5]) startSshd(i, faults[i] ?? "");
    for (const i of [1, 2, 4, 5]) assert.ok(await waitForSshd(i), `sshd on ${address(i)} did not start`);
  });

  /** An sshd in host i's namespaces and a mount namespace of its own, after the mount that makes its fault. */
  function startSshd(i: number, fault: string): void {
    const ns = `${PREFIX}${i}`;
    const script = `${fault ? `${fault} && ` : ""}exec /usr/sbin/sshd -D -e -f ${tmp}/sshd_config`;
    sshds.push(spawn("ip", ["netns", "exec", ns, "nsenter", `--uts=${state}/${ns}.uts`, "--", "unshare", "-m", "--propagation", "private", "sh", "-c", script], { stdio: "ignore" }));
  }

  async function waitForSshd(i: number): Promise<boolean> {
    for (let t = 0; t < 50; t++) {
      if (await answers(address(i))) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  after(() => {
    for (const p of sshds) p.kill("SIGKILL");
    spawnSync("bash", [CLUSTER, "down"], { stdio: "ignore", env: clusterEnv });
    if (madeRunSshd) rmSync("/run/sshd", { recursive: true, force: true });
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("passes on a good host", async () => {
    const r = await mpi4ts(["cluster", "check", "--hostfile", hostfile("good", [1]), app]);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /cluster ok: 1 host\(s\) ready/);
    assert.match(r.stdout, new RegExp(`${address(1).replace(/\./g, "\\.")}\\s+✓\\s+v\\d+`));
  });

  it("names the fault of each broken host with its fix, and exits 1", async () => {
    const file = hostfile("all", [1, 2, 3, 4, 5]);
    // And an address of the subnet that no host has: no answer, within ssh's connect timeout.
    writeFileSync(file, `${readFileSync(file, "utf8")}${NET}.99 slots=1\n`);
    const started = Date.now();
    const r = await mpi4ts(["cluster", "check", "--hostfile", file, "--json", app]);
    assert.equal(r.code, 1, explain(r));
    assert.ok(Date.now() - started < 20_000, `the check took ${Date.now() - started} ms`);
    const report = JSON.parse(r.stdout) as { hosts: { host: string; ok: boolean; findings: { item: string; verdict: string; problem?: string; fix?: string }[] }[] };
    const failures = (i: number) => report.hosts.find((h) => h.host === address(i))!.findings.filter((f) => f.verdict === "fail");
    assert.deepEqual(failures(1), []);
    assert.deepEqual(failures(2).map((f) => f.item), ["node"]);
    assert.match(failures(2)[0]!.problem!, /no Node\.js/);
    assert.deepEqual(failures(3).map((f) => f.item), ["ssh"]);
    assert.match(failures(3)[0]!.problem!, /connection refused/);
    assert.deepEqual(failures(4).map((f) => f.item), ["mpi4ts"]);
    assert.match(failures(4)[0]!.problem!, /mpi4ts 0\.0\.99 .* the head runs/);
    assert.deepEqual(failures(5).map((f) => f.item), ["dir"]);
    for (const i of [2, 3, 4, 5]) assert.ok(failures(i)[0]!.fix, `host ${i}: a fix`);
    const absent = report.hosts.find((h) => h.host === `${NET}.99`)!.findings;
    assert.deepEqual(absent.map((f) => [f.item, f.verdict]), [["ssh", "fail"]]);
    assert.match(absent[0]!.problem!, /no answer|no route/);
    const text = await mpi4ts(["cluster", "check", "--hostfile", file, app]);
    assert.equal(text.code, 1, explain(text));
    assert.match(text.stdout, /✗ 10\.231\.8\.15: .* does not exist[^\n]*\n\s+fix: mpi4ts cluster sync --hostfile/);
    assert.match(text.stdout, /a job would fail on: 10\.231\.8\.12, 10\.231\.8\.13, 10\.231\.8\.14, 10\.231\.8\.15, 10\.231\.8\.99\n/);
  });

  it("discover finds exactly the hosts that answer ssh and writes hostfiles of both forms", async () => {
    const r = await mpi4ts(["cluster", "discover", `${NET}.0/24`, "--port", String(PORT), "--timeout", "500", "--json", "--write", `${tmp}/found`]);
    assert.equal(r.code, 0, explain(r));
    const hosts = JSON.parse(r.stdout) as { address: string; name?: string; cores?: number }[];
    assert.deepEqual(hosts.map((h) => h.address), [1, 2, 4, 5].map(address));
    assert.deepEqual(hosts.map((h) => h.name), [1, 2, 4, 5].map((i) => `${PREFIX}${i}`));
    const found = readFileSync(`${tmp}/found`, "utf8").trim().split("\n");
    assert.deepEqual(found.map((l) => l.replace(/\s+#.*/, "")), hosts.map((h) => `${h.address} slots=${h.cores}`));
    const mpich = await mpi4ts(["cluster", "discover", `${NET}.8/29`, "--port", String(PORT), "--timeout", "500", "--format", "mpich", "--write", `${tmp}/found-mpich`]);
    assert.equal(mpich.code, 0, explain(mpich));
    assert.deepEqual(readFileSync(`${tmp}/found-mpich`, "utf8").trim().split("\n"), [1, 2, 4].map((i) => `${address(i)}:${hosts[0]!.cores}`));
    // mpirun reads the written hostfile as it is.
    const alloc = await run("timeout", ["-k", "5", "30", "mpirun.openmpi", "--allow-run-as-root", "--hostfile", `${tmp}/found`, "--display-allocation", "--do-not-launch", "-n", "1", "true"], { timeoutMs: 40_000 });
    assert.equal(alloc.code, 0, explain(alloc));
    assert.match(alloc.stdout, new RegExp(`Total slots allocated ${4 * hosts[0]!.cores!}\\b`), explain(alloc));
  });

  it("run --hostfile refuses to start a job on a broken host, saying why", async () => {
    const started = Date.now();
    const r = await mpi4ts(["run", "--hostfile", hostfile("broken", [1, 2]), "-n", "2", `${app}/where.ts`]);
    assert.equal(r.code, 1, explain(r));
    assert.match(r.stderr, /✗ 10\.231\.8\.12: no Node\.js/);
    assert.match(r.stderr, /not starting the job/);
    assert.doesNotMatch(r.stdout, /HOSTS/);
    assert.ok(Date.now() - started < 30_000);
  });

  it("sync makes the host without the program pass check", async () => {
    const file = hostfile("synced", [1, 5]);
    const r = await mpi4ts(["cluster", "sync", "--hostfile", file, app], 120_000);
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /✓ 10\.231\.8\.11: copied .* \(rsync\)/);
    assert.match(r.stdout, /✓ 10\.231\.8\.15: copied .* \(scp\)/);
    const check = await mpi4ts(["cluster", "check", "--hostfile", file, app]);
    assert.equal(check.code, 0, explain(check));
  });

  it("run --hostfile checks, remembers the pass, and runs the job over ssh", async () => {
    const file = `${tmp}/synced`;
    const mpiArgs = [
      "--mpi-args", "--mca", "plm_rsh_agent", `ssh -F ${tmp}/ssh_config`, "--mca", "plm_rsh_no_tree_spawn", "1",
      "--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", `${NET}.0/24`, "--mca", "oob_tcp_if_include", `${NET}.0/24`, "--",
    ];
    const r = await run(process.execPath, [`${ROOT}bin/mpi4ts.js`, "run", "--hostfile", file, "-n", "2", "--timeout", "60", ...mpiArgs, `${app}/where.ts`], { env: { ...env }, timeoutMs: 90_000 });
    assert.equal(r.code, 0, explain(r));
    assert.match(r.stdout, /HOSTS \["m4ts-c1","m4ts-c5"\]/);
    assert.ok(readdirSync(`${tmp}/cache`).some((f) => f.startsWith("cluster-check-")), "the pass is remembered");
    // Within the minute the pass is not checked again ...
    const again = await run(process.execPath, [`${ROOT}bin/mpi4ts.js`, "run", "--hostfile", file, "-n", "2", "--timeout", "60", "--verbose", ...mpiArgs, `${app}/where.ts`], { env, timeoutMs: 90_000 });
    assert.equal(again.code, 0, explain(again));
    assert.match(again.stderr, /cluster check of .*: passed \(remembered from the last minute\)/);
    assert.match(again.stdout, /HOSTS/);
    // ... while another way of reaching the hosts is checked (and refused) at once.
    const fresh = await run(process.execPath, [`${ROOT}bin/mpi4ts.js`, "run", "--hostfile", file, "-n", "2", ...mpiArgs, `${app}/where.ts`], { env: { ...env, MPI4TS_SSH: "/bin/false" }, timeoutMs: 90_000 });
    assert.equal(fresh.code, 1, explain(fresh));
    assert.match(fresh.stderr, /not starting the job/);
  });

  it("doctor measures a 3x3 matrix and names the one link slowed to 50 mbit", async () => {
    startSshd(3, "");
    assert.ok(await waitForSshd(3), "sshd on c3 did not start");
    // Only what c1 sends to c3 goes through the tbf (htb class chosen by source address, on c3's bridge port).
    const dev = `v-${PREFIX}3`;
    for (const tc of [
      `qdisc add dev ${dev} root handle 1: htb default 20`,
      `class add dev ${dev} parent 1: classid 1:10 htb rate 10gbit`,
      `class add dev ${dev} parent 1: classid 1:20 htb rate 10gbit`,
      `qdisc add dev ${dev} parent 1:10 handle 10: tbf rate 50mbit burst 32kb latency 400ms`,
      `filter add dev ${dev} parent 1: protocol ip u32 match ip src ${address(1)}/32 flowid 1:10`,
    ]) {
      const r = spawnSync("tc", tc.split(" "), { encoding: "utf8" });
      assert.equal(r.status, 0, `tc ${tc}: ${r.stderr}`);
    }
    // A second interface on c5, as a Docker bridge would be: the doctor names it and the network to pin.
    for (const ip of ["link add docker0 type bridge", "addr add 172.17.0.1/16 dev docker0", "link set docker0 up"]) {
      const r = spawnSync("ip", ["-n", `${PREFIX}5`, ...ip.split(" ")], { encoding: "utf8" });
      assert.equal(r.status, 0, `ip ${ip}: ${r.stderr}`);
    }
    const file = hostfile("three", [1, 3, 5]);
    const svg = `${tmp}/links.svg`;
    const mpiArgs = ["--mpi-args", "--mca", "plm_rsh_agent", `ssh -F ${tmp}/ssh_config`, "--mca", "plm_rsh_no_tree_spawn", "1", "--mca", "btl", "tcp,self"];
    const r = await mpi4ts(["cluster", "doctor", "--hostfile", file, "--svg", svg, "--timeout", "90", ...mpiArgs], 120_000);
    assert.equal(r.code, 3, explain(r));
    assert.match(r.stdout, /bandwidth \(MB\/s\)\n.*\n(.*\n){3}/);
    const slow = r.stdout.split("\n").filter((l) => l.startsWith("✗ slow link"));
    assert.equal(slow.length, 1, explain(r));
    assert.match(slow[0]!, /10\.231\.8\.11 \(m4ts-c1\) ↔ 10\.231\.8\.13 \(m4ts-c3\)/);
    assert.match(r.stdout, /hosts have other interfaces \(10\.231\.8\.15 \(m4ts-c5\): docker0 172\.17\.0\.1\/16\)/);
    assert.match(r.stdout, /--mca btl_tcp_if_include 10\.231\.8\.0\/24 --mca oob_tcp_if_include 10\.231\.8\.0\/24/);
    const picture = readFileSync(svg, "utf8");
    assert.match(picture, /^<svg /);
    assert.equal((picture.match(/<rect /g) ?? []).length, 9);
  });
});
