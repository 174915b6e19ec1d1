/**
 * `mpi4ts cluster doctor --hostfile FILE`: one mpi-engine job with a rank per host (doctor-job.ts) measures every
 * link; the head prints the latency and bandwidth matrices, writes them as an SVG heat map, names the links far
 * slower than the cluster's median (and a host all of whose links are slow: its own interface or cable), and says
 * which network the MPI should be told to use when hosts have more than one (Open MPI may otherwise pick a NAT or
 * Docker interface): the btl_tcp_if_include / oob_tcp_if_include options, or MPICH's -iface.
 */
import { lookup } from "node:dns/promises";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { isIP } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packageRoot } from "../../native/load.js";
import { readHostfile } from "../hostfile.js";
import { findLauncher, mpiexecCommand } from "../mpiexec.js";
import { UsageError } from "../usage.js";
import { headTarget, probeHere, probeRemote, type Probe } from "./probe.js";
import { isLocalHost, mapBounded, runBounded } from "./remote.js";

export interface Measurements {
  readonly names: string[];
  readonly latencyUs: number[][];
  readonly bandwidthMBs: number[][];
}

export interface Diagnosis {
  /** Pairs [i, j] (i < j) whose bandwidth is under half the median, or latency over 3x the median (and 0.5 ms more). */
  readonly slowLinks: { i: number; j: number; why: string }[];
  /** Hosts (indices) every link of which is slow. */
  readonly slowHosts: number[];
  /** Advice lines, each with the mpirun options it would add. */
  readonly advice: string[];
}

/**
 * How far above the median a link's latency must be, besides 3x, to count as slow: on a loaded host single pairs
 * were seen 100 µs above a 10 µs median, while Wi-Fi or a congested switch adds milliseconds.
 */
const LATENCY_MARGIN_US = 500;

const median = (values: number[]) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 0 : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const pairs = (n: number) => Array.from({ length: n }, (_, i) => Array.from({ length: n - i - 1 }, (_, k) => [i, i + k + 1] as const)).flat();

export function diagnose(m: Measurements, labels: readonly string[]): Omit<Diagnosis, "advice"> {
  const n = m.names.length;
  const all = pairs(n);
  const bwMedian = median(all.map(([i, j]) => m.bandwidthMBs[i]![j]!));
  const latMedian = median(all.map(([i, j]) => m.latencyUs[i]![j]!));
  const slowLinks: Diagnosis["slowLinks"] = [];
  for (const [i, j] of all) {
    const bw = m.bandwidthMBs[i]![j]!, lat = m.latencyUs[i]![j]!;
    const why: string[] = [];
    if (bw < bwMedian / 2) why.push(`${bw.toFixed(1)} MB/s, the median link has ${bwMedian.toFixed(1)}`);
    if (lat > latMedian * 3 && lat - latMedian > LATENCY_MARGIN_US) why.push(`${lat.toFixed(0)} µs latency, the median link has ${latMedian.toFixed(0)}`);
    if (why.length) slowLinks.push({ i, j, why: `${labels[i]} ↔ ${labels[j]}: ${why.join("; ")}` });
  }
  const slowHosts = n < 3 ? [] : Array.from({ length: n }, (_, h) => h)
    .filter((h) => all.filter(([i, j]) => i === h || j === h).every(([i, j]) => slowLinks.some((l) => l.i === i && l.j === j)));
  return { slowLinks, slowHosts };
}

/** The IPv4 network (a.b.c.d/p) of the interface carrying address, from a host's probe. */
function networkOf(probe: Probe, address: string): { name: string; network: string } | undefined {
  const match = probe.interfaces.find((i) => i.cidr.split("/")[0] === address);
  if (!match) return undefined;
  const [ip, bits] = match.cidr.split("/");
  const prefix = Number(bits);
  const value = ip!.split(".").reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
  const net = prefix === 0 ? 0 : (value & (~0 << (32 - prefix))) >>> 0;
  return { name: match.name, network: `${[net >>> 24, (net >>> 16) & 255, (net >>> 8) & 255, net & 255].join(".")}/${prefix}` };
}

export function interfaceAdvice(hosts: readonly string[], addresses: readonly (string | undefined)[], probes: readonly (Probe | undefined)[], flavour: "openmpi" | "mpich", mpiArgs: readonly string[]): string[] {
  const nets = hosts.map((_, i) => (probes[i] && addresses[i] ? networkOf(probes[i]!, addresses[i]!) : undefined));
  const known = nets.filter((n): n is { name: string; network: string } => n !== undefined);
  if (known.length === 0) return [];
  const networks = [...new Set(known.map((n) => n.network))];
  const extra = hosts.flatMap((h, i) => (probes[i]?.interfaces ?? [])
    .filter((f) => f.name !== "lo" && !f.cidr.startsWith("127.") && f.name !== nets[i]?.name)
    .map((f) => `${h}: ${f.name} ${f.cidr}`));
  const advice: string[] = [];
  if (networks.length > 1) advice.push(`the hosts' addresses are on different networks (${networks.join(", ")}): ranks may not reach each other directly`);
  const told = mpiArgs.some((a) => /btl_tcp_if_include|-iface/.test(a));
  if (extra.length > 0 && !told && networks.length === 1) {
    const net = networks[0]!;
    const names = [...new Set(known.map((n) => n.name))];
    advice.push(`hosts have other interfaces (${extra.join("; ")}) the MPI may pick instead of ${net}; tell it which:`);
    advice.push(flavour === "mpich" && names.length === 1
      ? `    mpi4ts run --hostfile FILE --mpi-args -iface ${names[0]} -- app.ts`
      : `    mpi4ts run --hostfile FILE --mpi-args --mca btl_tcp_if_include ${net} --mca oob_tcp_if_include ${net} -- app.ts`);
  }
  return advice;
}

export function formatMatrices(m: Measurements, labels: readonly string[]): string {
  const n = labels.length;
  const width = Math.max(9, ...labels.map((l) => l.length));
  const table = (title: string, cell: (i: number, j: number) => string) => [
    title, `${"".padEnd(width)}  ${labels.map((l) => l.padStart(width)).join("  ")}`,
    ...labels.map((l, i) => `${l.padEnd(width)}  ${Array.from({ length: n }, (_, j) => (i === j ? "–" : cell(i, j)).padStart(width)).join("  ")}`),
  ].join("\n");
  return `${table("bandwidth (MB/s)", (i, j) => m.bandwidthMBs[i]![j]!.toFixed(1))}\n\n${table("latency (µs, one way)", (i, j) => m.latencyUs[i]![j]!.toFixed(0))}`;
}

const escapeXml = (s: string) => s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);

/** The bandwidth matrix as a heat map (red: slowest, green: fastest link), latency in each cell. */
export function heatMapSvg(m: Measurements, labels: readonly string[], slow: Diagnosis["slowLinks"]): string {
  const n = labels.length, cell = 84, left = 150, top = 60;
  const values = pairs(n).map(([i, j]) => m.bandwidthMBs[i]![j]!);
  const max = Math.max(...values, 1e-9), min = Math.min(...values);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    parts.push(`<text x="${left - 8}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${escapeXml(labels[i]!)}</text>`);
    parts.push(`<text x="${left + i * cell + cell / 2}" y="${top - 10}" text-anchor="middle">${escapeXml(labels[i]!)}</text>`);
    for (let j = 0; j < n; j++) {
      const x = left + j * cell, y = top + i * cell;
      if (i === j) { parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="#eee" stroke="#fff"/>`); continue; }
      const bw = m.bandwidthMBs[i]![j]!;
      const t = max === min ? 1 : Math.log(bw / min) / Math.log(max / min);
      const flagged = slow.some((l) => (l.i === i && l.j === j) || (l.i === j && l.j === i));
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="hsl(${Math.round(120 * t)},70%,55%)" stroke="${flagged ? "#000" : "#fff"}" stroke-width="${flagged ? 3 : 1}"><title>${escapeXml(`${labels[i]} ↔ ${labels[j]}`)}</title></rect>`);
      parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 - 2}" text-anchor="middle">${bw.toFixed(1)} MB/s</text>`);
      parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 + 14}" text-anchor="middle" font-size="10">${m.latencyUs[i]![j]!.toFixed(0)} µs</text>`);
    }
  }
  const w = left + n * cell + 20, h = top + n * cell + 30;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" font-family="sans-serif" font-size="12">
<text x="10" y="18" font-size="14">mpi4ts cluster doctor: bandwidth (MB/s) and latency per link; black frame = slow link</text>
${parts.join("\n")}
</svg>
`;
}

export interface DoctorOptions {
  readonly hostfile: string;
  readonly mpiArgs: string[];
  readonly svg: string;
  readonly timeoutSec: number;
  readonly bytes?: number;
}

export interface DoctorResult {
  readonly labels: string[];
  readonly measurements?: Measurements;
  readonly diagnosis?: Diagnosis;
  readonly error?: string;
}

export async function doctor(options: DoctorOptions): Promise<DoctorResult> {
  const hosts = [...new Set(readHostfile(options.hostfile).map((e) => e.host))];
  if (hosts.length < 2) throw new UsageError(`cluster doctor: ${options.hostfile} names ${hosts.length} host; links need two or more`);
  const launcher = findLauncher();
  if (!launcher) return { labels: hosts, error: "no MPI launcher (mpiexec) found: install one (e.g. apt-get install openmpi-bin libopenmpi-dev)" };
  const target = headTarget(process.cwd());
  const [probes, addresses] = await Promise.all([
    mapBounded(hosts, 32, async (h) => (isLocalHost(h) ? probeHere(target) : (await probeRemote(h, target, 20_000)).probe)),
    Promise.all(hosts.map(async (h) => (isIP(h) ? h : (await lookup(h, { family: 4 }).catch(() => undefined))?.address))),
  ]);
  const dir = mkdtempSync(join(tmpdir(), "mpi4ts-doctor-"));
  try {
    // One slot a host, as many ranks as hosts: rank i runs on host i, whatever the hostfile's slots.
    const one = join(dir, "hosts");
    writeFileSync(one, hosts.map((h) => (launcher.flavour === "mpich" ? `${h}:1` : `${h} slots=1`)).join("\n") + "\n");
    const program = join(packageRoot(), "dist", "cli", "cluster", "doctor-job.js");
    const { argv, env } = mpiexecCommand({
      np: hosts.length, program, args: options.bytes ? [String(options.bytes)] : [], hostfile: one, mpiArgs: options.mpiArgs,
      verbose: false, tagOutput: false, oversubscribe: false, env: {},
    }, launcher);
    const r = await runBounded(argv[0]!, argv.slice(1), "", options.timeoutSec * 1000, { ...process.env, ...env });
    const line = /^DOCTOR (.*)$/m.exec(r.stdout)?.[1];
    if (r.code !== 0 || line === undefined) {
      const tail = `${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-8).join("\n");
      return { labels: hosts, error: `${r.timedOut ? `the measuring job did not end within ${options.timeoutSec} s` : `the measuring job failed (exit ${r.code})`}; run mpi4ts cluster check --hostfile ${options.hostfile} first\n${tail}` };
    }
    const measurements = JSON.parse(line) as Measurements;
    const labels = hosts.map((h, i) => (measurements.names[i] && measurements.names[i] !== h ? `${h} (${measurements.names[i]})` : h));
    const { slowLinks, slowHosts } = diagnose(measurements, labels);
    const advice = interfaceAdvice(labels, addresses, probes, launcher.flavour, options.mpiArgs);
    for (const h of slowHosts) advice.unshift(`every link of ${labels[h]} is slow: look at its own network (interface speed: ethtool, cable, Wi-Fi instead of Ethernet)`);
    writeFileSync(options.svg, heatMapSvg(measurements, labels, slowLinks));
    return { labels, measurements, diagnosis: { slowLinks, slowHosts, advice } };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
