/**
 * What a host has that a job needs, found by ONE small shell script: run on the head itself and, through one ssh
 * each, on every other host, so that both sides are read the same way and compared line by line.
 */
import { spawnSync } from "node:child_process";
import { packageRoot } from "../../native/load.js";
import { findLauncher } from "../mpiexec.js";
import { runRemoteScript, type RemoteResult } from "./remote.js";

/** key=value lines; $1 node binary the ranks start with, $2 mpi4ts package, $3 program directory, $4 mpiexec. */
const PROBE_SCRIPT = String.raw`
EXEC=$1 ROOT=$2 DIR=$3 LAUNCHER=$4
echo "clock=$(date +%s%3N)"
echo "host=$(hostname)"
echo "arch=$(uname -m)"
echo "cores=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"
echo "mem_kb=$(awk '/^MemAvailable:/{print $2}' /proc/meminfo 2>/dev/null)"
echo "node_path=$(command -v node 2>/dev/null)"
echo "node_version=$(node -v 2>/dev/null)"
echo "exec_version=$("$EXEC" -v 2>/dev/null)"
if [ -f "$ROOT/package.json" ]; then
  echo "mpi4ts_version=$(sed -n 's/^[[:space:]]*"version"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$ROOT/package.json" | head -n1)"
fi
for b in build/Release build/mpich/Release; do
  if [ -f "$ROOT/$b/mpi4ts_native.node" ]; then
    echo "addon=$b $(od -An -tu2 -j18 -N2 "$ROOT/$b/mpi4ts_native.node" | tr -d ' ') $(sed -n 's/.*"flavour"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$ROOT/$b/mpi4ts_native.json" 2>/dev/null)"
  fi
done
echo "mpi=$("$LAUNCHER" --version 2>&1 | grep -m1 -E 'Open MPI|OpenRTE|Version:' | sed 's/^[[:space:]]*//')"
[ -d "$DIR" ] && echo "dir=yes"
rsync --version >/dev/null 2>&1 && echo "rsync=yes"
ip -o -4 addr show 2>/dev/null | awk '{print "if=" $2 " " $4}'
exit 0
`;

export interface AddonBuild {
  /** build/Release or build/mpich/Release */
  readonly dir: string;
  /** ELF e_machine: 62 x86-64, 183 aarch64, 40 arm. */
  readonly machine: number;
  readonly flavour: string;
}

export interface Probe {
  readonly clockMs?: number;
  readonly host: string;
  readonly arch: string;
  readonly cores?: number;
  readonly memKb?: number;
  readonly nodePath: string;
  readonly nodeVersion: string;
  /** The version of the node binary at the head's path (what mpiexec starts the ranks with). */
  readonly execVersion: string;
  readonly mpi4tsVersion?: string;
  readonly addons: AddonBuild[];
  /** The first line of the MPI launcher's --version ("mpirun.openmpi (OpenRTE) 4.1.4", "Version: 4.0.2"), or "". */
  readonly mpi: string;
  readonly dirExists: boolean;
  readonly rsync: boolean;
  /** name and address/prefix of each IPv4 interface. */
  readonly interfaces: { name: string; cidr: string }[];
}

export function parseProbe(text: string): Probe {
  const values = new Map<string, string>();
  const addons: AddonBuild[] = [];
  const interfaces: { name: string; cidr: string }[] = [];
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq), value = line.slice(eq + 1).trim();
    if (key === "addon") {
      const [dir, machine, flavour] = value.split(/\s+/);
      addons.push({ dir: dir!, machine: Number(machine), flavour: flavour ?? "unknown" });
    } else if (key === "if") {
      const [name, cidr] = value.split(/\s+/);
      if (name && cidr) interfaces.push({ name, cidr });
    } else {
      values.set(key, value);
    }
  }
  const num = (key: string) => (/^\d+$/.test(values.get(key) ?? "") ? Number(values.get(key)) : undefined);
  const clockMs = num("clock"), cores = num("cores"), memKb = num("mem_kb");
  const version = values.get("mpi4ts_version");
  return {
    ...(clockMs === undefined ? {} : { clockMs }), ...(cores === undefined ? {} : { cores }), ...(memKb === undefined ? {} : { memKb }),
    host: values.get("host") ?? "", arch: values.get("arch") ?? "", nodePath: values.get("node_path") ?? "",
    nodeVersion: values.get("node_version") ?? "", execVersion: values.get("exec_version") ?? "",
    ...(version ? { mpi4tsVersion: version } : {}),
    addons, mpi: values.get("mpi") ?? "", dirExists: values.get("dir") === "yes", rsync: values.get("rsync") === "yes", interfaces,
  };
}

/** What the probe needs to know of the head: the paths every host must share with it. */
export interface ProbeTarget {
  readonly execPath: string;
  readonly packageRoot: string;
  readonly dir: string;
  /** The mpiexec command (e.g. mpirun.openmpi), or "mpiexec" when this host has none. */
  readonly launcher: string;
  readonly flavour?: "openmpi" | "mpich";
}

export function headTarget(dir: string): ProbeTarget {
  const launcher = findLauncher();
  return { execPath: process.execPath, packageRoot: packageRoot(), dir, launcher: launcher?.command ?? "mpiexec", ...(launcher ? { flavour: launcher.flavour } : {}) };
}

const args = (t: ProbeTarget) => [t.execPath, t.packageRoot, t.dir, t.launcher];

export function probeHere(target: ProbeTarget): Probe {
  const r = spawnSync("sh", ["-s", "--", ...args(target)], { input: PROBE_SCRIPT, encoding: "utf8", timeout: 20_000 });
  return parseProbe(r.stdout ?? "");
}

export interface RemoteProbe {
  readonly result: RemoteResult;
  /** Set when ssh worked and the script ran. */
  readonly probe?: Probe;
  /** Remote clock minus this one, in ms (from the script's first line, printed as it starts). */
  readonly clockOffsetMs?: number;
}

export async function probeRemote(host: string, target: ProbeTarget, timeoutMs: number): Promise<RemoteProbe> {
  const started = Date.now();
  const result = await runRemoteScript(host, PROBE_SCRIPT, args(target), timeoutMs);
  if (result.code !== 0 || !/^clock=/m.test(result.stdout)) return { result };
  const probe = parseProbe(result.stdout);
  // The clock line leaves first; its arrival less a little of the connection's set-up bounds when it was read.
  const offset = probe.clockMs === undefined || result.firstByteAt === undefined ? undefined
    : probe.clockMs - result.firstByteAt + Math.min(20, (result.firstByteAt - started) / 10);
  return { result, probe, ...(offset === undefined ? {} : { clockOffsetMs: Math.round(offset) }) };
}

/** uname -m for the ELF machine numbers an addon can have. */
export function machineMatchesArch(machine: number, arch: string): boolean {
  if (machine === 62) return arch === "x86_64" || arch === "amd64";
  if (machine === 183) return arch === "aarch64" || arch === "arm64";
  if (machine === 40) return /^arm/.test(arch) && arch !== "arm64";
  if (machine === 3) return /^i[3-6]86$/.test(arch);
  return false;
}
