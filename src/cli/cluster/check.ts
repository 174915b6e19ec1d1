/**
 * `mpi4ts cluster check --hostfile FILE [DIR]`: one row per host of what a job across them needs, each ✗ with
 * the command that fixes it, exit code 1 when a job would fail. The head is probed by the same script as the
 * hosts (probe.ts), so that "the same" means the same text; hosts are probed in parallel, one ssh each, bounded.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { ownVersion } from "../package-info.js";
import { cacheDirectory } from "../program-cache.js";
import { readHostfile, type HostEntry } from "../hostfile.js";
import { headTarget, machineMatchesArch, probeHere, probeRemote, type Probe, type ProbeTarget, type RemoteProbe } from "./probe.js";
import { isLocalHost, mapBounded, sshFailure } from "./remote.js";

export type Verdict = "ok" | "warn" | "fail" | "skip";

export interface Finding {
  readonly item: "ssh" | "node" | "mpi4ts" | "addon" | "mpi" | "dir" | "slots" | "memory" | "clock";
  readonly verdict: Verdict;
  /** Short text for the table cell. */
  readonly cell: string;
  readonly problem?: string;
  readonly fix?: string;
}

export interface HostReport {
  readonly host: string;
  readonly slots?: number;
  readonly local: boolean;
  readonly findings: Finding[];
  readonly probe?: Probe;
  readonly ok: boolean;
}

export interface CheckReport {
  readonly head: Probe;
  readonly target: ProbeTarget;
  readonly hosts: HostReport[];
  readonly ok: boolean;
}

const PARALLEL = 32;
export const PROBE_TIMEOUT_MS = 20_000;
const LOW_MEMORY_KB = 200 * 1024;
const CLOCK_WARN_MS = 1000;
/** How long `run --hostfile` trusts a passed check of the same hostfile, directory and mpi4ts. */
export const PASS_REMEMBERED_MS = 60_000;

const major = (v: string) => (/^v(\d+)\./.exec(v) ? Number(/^v(\d+)\./.exec(v)![1]) : undefined);

function judge(entry: HostEntry, remote: RemoteProbe | { probe: Probe; local: true }, head: Probe, target: ProbeTarget, hostfile: string, version: string): HostReport {
  const host = entry.host;
  const local = "local" in remote;
  const findings: Finding[] = [];
  const on = (command: string) => (local ? command : `ssh ${host} '${command}'`);
  if (!local && !remote.probe) {
    const { problem, fix } = sshFailure(host, remote.result);
    findings.push({ item: "ssh", verdict: "fail", cell: "✗", problem, fix });
    return { host, ...(entry.slots === undefined ? {} : { slots: entry.slots }), local, findings, ok: false };
  }
  const p = remote.probe!;
  findings.push({ item: "ssh", verdict: "ok", cell: local ? "local" : "✓" });

  const headMajor = major(head.execVersion) ?? major(process.version)!;
  const m = major(p.execVersion);
  if (m === undefined) {
    const elsewhere = major(p.nodeVersion);
    findings.push(elsewhere !== undefined
      ? { item: "node", verdict: "fail", cell: "✗", problem: `node is at ${p.nodePath}, but ranks are started as ${target.execPath}`, fix: on(`sudo ln -s ${p.nodePath} ${target.execPath}`) }
      : { item: "node", verdict: "fail", cell: "✗ none", problem: `no Node.js at ${target.execPath} nor on ssh's PATH`, fix: on(`curl -fsSL https://deb.nodesource.com/setup_${headMajor}.x | sudo -E bash - && sudo apt-get install -y nodejs`) });
  } else if (m < 20 || m !== headMajor) {
    findings.push({ item: "node", verdict: "fail", cell: `✗ ${p.execVersion}`, problem: `Node.js ${p.execVersion}, the head has ${head.execVersion || process.version} (the same major, 20 or newer, is needed)`, fix: on(`curl -fsSL https://deb.nodesource.com/setup_${headMajor}.x | sudo -E bash - && sudo apt-get install -y nodejs`) });
  } else {
    findings.push({ item: "node", verdict: "ok", cell: p.execVersion });
  }

  const sync = `mpi4ts cluster sync --hostfile ${hostfile}${target.packageRoot.startsWith(`${target.dir}/`) ? ` ${target.dir}` : ` ${target.packageRoot}`}`;
  if (p.mpi4tsVersion === undefined) {
    findings.push({ item: "mpi4ts", verdict: "fail", cell: "✗ none", problem: `mpi4ts is not at ${target.packageRoot}`, fix: sync });
    findings.push({ item: "addon", verdict: "skip", cell: "–" });
  } else {
    findings.push(p.mpi4tsVersion === version
      ? { item: "mpi4ts", verdict: "ok", cell: p.mpi4tsVersion }
      : { item: "mpi4ts", verdict: "fail", cell: `✗ ${p.mpi4tsVersion}`, problem: `mpi4ts ${p.mpi4tsVersion} at ${target.packageRoot}, the head runs ${version}`, fix: sync });
    const wanted = target.flavour;
    const built = p.addons.filter((a) => wanted === undefined || a.flavour === wanted);
    const rebuild = on(`cd ${target.packageRoot} && npm rebuild mpi4ts`);
    if (built.length === 0) {
      findings.push({ item: "addon", verdict: "fail", cell: "✗ none", problem: `no native addon built against ${wanted ?? "an MPI"} in ${target.packageRoot}/build`, fix: rebuild });
    } else if (!built.some((a) => machineMatchesArch(a.machine, p.arch))) {
      findings.push({ item: "addon", verdict: "fail", cell: `✗ not ${p.arch}`, problem: `the native addon was built for another architecture (ELF machine ${built[0]!.machine}), this host is ${p.arch}`, fix: rebuild });
    } else {
      findings.push({ item: "addon", verdict: "ok", cell: `${p.arch}` });
    }
  }

  if (p.mpi === "") {
    findings.push({ item: "mpi", verdict: "fail", cell: "✗ none", problem: `no ${target.launcher} (the head's MPI)`, fix: on(target.flavour === "mpich" ? "sudo apt-get install -y mpich libmpich-dev" : "sudo apt-get install -y openmpi-bin libopenmpi-dev") });
  } else if (p.mpi !== head.mpi) {
    findings.push({ item: "mpi", verdict: "fail", cell: "✗ differs", problem: `MPI "${p.mpi}", the head has "${head.mpi}"`, fix: on("apt-cache policy openmpi-bin mpich   # install the head's version") });
  } else {
    findings.push({ item: "mpi", verdict: "ok", cell: "✓" });
  }

  findings.push(p.dirExists
    ? { item: "dir", verdict: "ok", cell: "✓" }
    : { item: "dir", verdict: "fail", cell: "✗ missing", problem: `${target.dir} does not exist (ranks start in the same directory on every host)`, fix: `mpi4ts cluster sync --hostfile ${hostfile} ${target.dir}` });

  const cores = p.cores;
  const slots = entry.slots;
  findings.push(cores !== undefined && slots !== undefined && slots > cores
    ? { item: "slots", verdict: "warn", cell: `! ${slots}/${cores}`, problem: `${slots} slots on ${cores} cores: ranks will share cores`, fix: `set "${host} slots=${cores}" in ${hostfile}` }
    : { item: "slots", verdict: "ok", cell: `${slots ?? "-"}/${cores ?? "?"}` });

  const mem = p.memKb;
  findings.push(mem !== undefined && mem < LOW_MEMORY_KB
    ? { item: "memory", verdict: "warn", cell: `! ${Math.round(mem / 1024)} MiB`, problem: `only ${Math.round(mem / 1024)} MiB free`, fix: on("free -m; ps aux --sort=-rss | head") }
    : { item: "memory", verdict: "ok", cell: mem === undefined ? "?" : `${Math.round(mem / 1024)} MiB` });

  const offset = local ? 0 : (remote as RemoteProbe).clockOffsetMs;
  findings.push(offset !== undefined && Math.abs(offset) > CLOCK_WARN_MS
    ? { item: "clock", verdict: "warn", cell: `! ${formatOffset(offset)}`, problem: `clock ${formatOffset(offset)} off the head's (traces and logs will not line up)`, fix: on("sudo apt-get install -y chrony || sudo timedatectl set-ntp true") }
    : { item: "clock", verdict: "ok", cell: offset === undefined ? "?" : formatOffset(offset) });

  return { host, ...(slots === undefined ? {} : { slots }), local, findings, probe: p, ok: !findings.some((f) => f.verdict === "fail") };
}

function formatOffset(ms: number): string {
  return Math.abs(ms) >= 1000 ? `${ms > 0 ? "+" : "-"}${(Math.abs(ms) / 1000).toFixed(1)} s` : `${ms >= 0 ? "+" : ""}${ms} ms`;
}

export async function checkCluster(hostfile: string, dir: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<CheckReport> {
  const entries = readHostfile(hostfile);
  const target = headTarget(resolve(dir));
  const head = probeHere(target);
  const version = ownVersion();
  // A host named twice (two lines) is probed once.
  const unique = [...new Set(entries.map((e) => e.host))];
  const probes = new Map(unique.map((h, i) => [h, i]));
  const results = await mapBounded(unique, PARALLEL, async (host) =>
    isLocalHost(host) ? { probe: head, local: true as const } : probeRemote(host, target, timeoutMs));
  const hosts = entries.map((e) => judge(e, results[probes.get(e.host)!]!, head, target, hostfile, version));
  return { head, target, hosts, ok: hosts.every((h) => h.ok) };
}

const COLUMNS: { title: string; item: Finding["item"] }[] = [
  { title: "ssh", item: "ssh" }, { title: "node", item: "node" }, { title: "mpi4ts", item: "mpi4ts" },
  { title: "addon", item: "addon" }, { title: "MPI", item: "mpi" }, { title: "dir", item: "dir" },
  { title: "slots/cores", item: "slots" }, { title: "free mem", item: "memory" }, { title: "clock", item: "clock" },
];

/** The table, then one line per ✗ and ! with its fix. */
export function formatReport(report: CheckReport): string {
  const rows = [["host", ...COLUMNS.map((c) => c.title)]];
  for (const h of report.hosts) rows.push([h.host, ...COLUMNS.map((c) => h.findings.find((f) => f.item === c.item)?.cell ?? "–")]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...r[i]!].length)));
  const lines = rows.map((r) => r.map((cell, i) => cell + " ".repeat(widths[i]! - [...cell].length)).join("  ").trimEnd());
  lines.splice(1, 0, widths.map((w) => "-".repeat(w)).join("  "));
  lines.push("");
  for (const h of report.hosts) {
    for (const f of h.findings) {
      if (f.verdict !== "fail" && f.verdict !== "warn") continue;
      lines.push(`${f.verdict === "fail" ? "✗" : "!"} ${h.host}: ${f.problem}`);
      if (f.fix) lines.push(`    fix: ${f.fix}`);
    }
  }
  const failed = report.hosts.filter((h) => !h.ok).map((h) => h.host);
  lines.push(failed.length === 0
    ? `cluster ok: ${report.hosts.length} host(s) ready (mpi4ts ${ownVersion()}, program directory ${report.target.dir})`
    : `a job would fail on: ${failed.join(", ")}`);
  return lines.join("\n");
}

/**
 * The check before `mpi4ts run --hostfile`: `failed` is the report to show when a job would fail. A pass is
 * remembered for a minute under the cache directory (`remembered`: this pass was), so a series of runs pays for
 * one check; a failure is checked again every time.
 */
export async function preflight(hostfile: string, dir: string): Promise<{ failed?: CheckReport; remembered: boolean }> {
  const key = createHash("sha256").update(JSON.stringify([readFileSync(hostfile, "utf8"), resolve(dir), ownVersion(), process.execPath, process.env.MPI4TS_SSH ?? ""])).digest("hex").slice(0, 16);
  const file = join(cacheDirectory(), `cluster-check-${key}.json`);
  try {
    const { at } = JSON.parse(readFileSync(file, "utf8")) as { at: number };
    if (Date.now() - at < PASS_REMEMBERED_MS && Date.now() >= at) return { remembered: true };
  } catch {
    // Not checked lately.
  }
  const report = await checkCluster(hostfile, dir);
  if (!report.ok) return { failed: report, remembered: false };
  try {
    mkdirSync(cacheDirectory(), { recursive: true });
    writeFileSync(file, JSON.stringify({ at: Date.now(), hostfile: resolve(hostfile) }));
  } catch {
    // Without a writable cache the next run checks again.
  }
  return { remembered: false };
}
