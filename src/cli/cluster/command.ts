/** `mpi4ts cluster check|discover|sync|doctor ...`: the arguments; the work is in check.ts, discover.ts, sync.ts, doctor.ts. */
import { CLUSTER_HELP, UsageError } from "../usage.js";

interface Parsed {
  hostfile?: string;
  positional: string[];
  flags: Map<string, string>;
  help: boolean;
}

/** --flag VALUE / --flag=VALUE for the flags named in `valued`, bare flags in `bare`. */
function parse(sub: string, argv: readonly string[], valued: readonly string[], bare: readonly string[]): Parsed {
  const parsed: Parsed = { positional: [], flags: new Map(), help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h" || arg === "--help") { parsed.help = true; continue; }
    if (!arg.startsWith("--")) { parsed.positional.push(arg); continue; }
    const [flag, inline] = arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    if (bare.includes(flag)) { parsed.flags.set(flag, ""); continue; }
    if (!valued.includes(flag)) throw new UsageError(`cluster ${sub}: unknown option ${arg} (see mpi4ts help cluster ${sub})`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`cluster ${sub}: ${flag} needs a value`);
    parsed.flags.set(flag, value);
  }
  const hostfile = parsed.flags.get("--hostfile");
  if (hostfile !== undefined) parsed.hostfile = hostfile;
  return parsed;
}

function needHostfile(sub: string, p: Parsed): string {
  if (p.hostfile === undefined) throw new UsageError(`cluster ${sub} needs --hostfile FILE (e.g. mpi4ts cluster ${sub} --hostfile hosts)`);
  return p.hostfile;
}

function atMostOneDir(sub: string, p: Parsed): string {
  if (p.positional.length > 1) throw new UsageError(`cluster ${sub}: one directory at most, got ${p.positional.join(" ")}`);
  return p.positional[0] ?? process.cwd();
}

export async function clusterCommand(argv: readonly string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    process.stdout.write(`${CLUSTER_HELP.cluster}\n`);
    return sub === undefined ? 2 : 0;
  }
  const help = () => { process.stdout.write(`${CLUSTER_HELP[sub]}\n`); return 0; };
  switch (sub) {
    case "check": {
      const p = parse(sub, rest, ["--hostfile"], ["--json"]);
      if (p.help) return help();
      const { checkCluster, formatReport } = await import("./check.js");
      const report = await checkCluster(needHostfile(sub, p), atMostOneDir(sub, p));
      process.stdout.write(p.flags.has("--json") ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
      return report.ok ? 0 : 1;
    }
    case "discover": {
      const p = parse(sub, rest, ["--port", "--write", "--format", "--timeout"], ["--json"]);
      if (p.help) return help();
      if (p.positional.length !== 1) throw new UsageError("cluster discover needs one IPv4 range (e.g. mpi4ts cluster discover 192.168.1.0/24)");
      const port = Number(p.flags.get("--port") ?? 22);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`cluster discover: --port ${p.flags.get("--port")}: expected 1..65535`);
      const timeoutMs = Number(p.flags.get("--timeout") ?? 1000);
      if (!(timeoutMs > 0)) throw new UsageError(`cluster discover: --timeout ${p.flags.get("--timeout")}: expected milliseconds greater than 0`);
      const format = p.flags.get("--format") ?? "openmpi";
      if (format !== "openmpi" && format !== "mpich") throw new UsageError(`cluster discover: --format ${format}: expected openmpi or mpich`);
      const { discover, formatDiscovered, writeHostfile } = await import("./discover.js");
      const cidr = p.positional[0]!;
      const hosts = await discover(cidr, port, timeoutMs);
      process.stdout.write(p.flags.has("--json") ? `${JSON.stringify(hosts, null, 2)}\n` : `${formatDiscovered(cidr, hosts)}\n`);
      const file = p.flags.get("--write");
      if (file !== undefined) {
        writeHostfile(file, hosts, format);
        process.stderr.write(`mpi4ts: wrote ${file} (${format === "mpich" ? "MPICH host:n" : "Open MPI slots="} form); next: mpi4ts cluster check --hostfile ${file}\n`);
      }
      return hosts.some((h) => h.sshProblem === undefined) ? 0 : 1;
    }
    case "sync": {
      const p = parse(sub, rest, ["--hostfile"], []);
      if (p.help) return help();
      const { syncCluster } = await import("./sync.js");
      const results = await syncCluster(needHostfile(sub, p), atMostOneDir(sub, p));
      for (const r of results) process.stdout.write(`${r.ok ? "✓" : "✗"} ${r.host}: ${r.steps.join("; ") || "nothing to do"}\n`);
      if (results.length === 0) process.stdout.write("no other host in the hostfile: nothing to copy\n");
      return results.every((r) => r.ok) ? 0 : 1;
    }
    case "doctor": {
      const cut = rest.indexOf("--mpi-args");
      const end = cut < 0 ? -1 : rest.indexOf("--", cut + 1);
      const mpiArgs = cut < 0 ? [] : rest.slice(cut + 1, end < 0 ? undefined : end);
      const own = cut < 0 ? rest : [...rest.slice(0, cut), ...(end < 0 ? [] : rest.slice(end + 1))];
      const p = parse(sub, own, ["--hostfile", "--svg", "--timeout", "--bytes"], ["--json"]);
      if (p.help) return help();
      if (p.positional.length > 0) throw new UsageError(`cluster doctor: unexpected ${p.positional.join(" ")} (see mpi4ts help cluster doctor)`);
      const timeoutSec = Number(p.flags.get("--timeout") ?? 120);
      if (!(timeoutSec > 0)) throw new UsageError(`cluster doctor: --timeout ${p.flags.get("--timeout")}: expected seconds greater than 0`);
      const bytes = p.flags.has("--bytes") ? Number(p.flags.get("--bytes")) : undefined;
      if (bytes !== undefined && !(Number.isInteger(bytes) && bytes >= 1024 && bytes <= 1 << 30)) throw new UsageError(`cluster doctor: --bytes ${p.flags.get("--bytes")}: expected a whole number from 1024 to 1073741824`);
      const svg = p.flags.get("--svg") ?? "mpi4ts-doctor.svg";
      const { doctor, formatMatrices } = await import("./doctor.js");
      const result = await doctor({ hostfile: needHostfile(sub, p), mpiArgs, svg, timeoutSec, ...(bytes === undefined ? {} : { bytes }) });
      if (p.flags.has("--json")) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else if (result.measurements) {
        const d = result.diagnosis!;
        const lines = [formatMatrices(result.measurements, result.labels), ""];
        for (const l of d.slowLinks) lines.push(`✗ slow link ${l.why}`);
        for (const a of d.advice) lines.push(a.startsWith(" ") ? a : `! ${a}`);
        if (d.slowLinks.length === 0 && d.advice.length === 0) lines.push("✓ every link is within reach of the median");
        lines.push(`heat map: ${svg}`);
        process.stdout.write(`${lines.join("\n")}\n`);
      }
      if (result.error) process.stderr.write(`mpi4ts: cluster doctor: ${result.error}\n`);
      return result.error ? 1 : result.diagnosis!.slowLinks.length > 0 ? 3 : 0;
    }
    default:
      throw new UsageError(`cluster ${sub}: unknown subcommand (expected check, discover, sync or doctor; see mpi4ts help cluster)`);
  }
}
