/**
 * `mpi4ts cluster sync --hostfile FILE [DIR]`: puts DIR (default: the current directory) at the same path on every
 * other host, with rsync over the cluster's ssh (scp when a side has no rsync), then rebuilds the native parts on
 * hosts that differ from the head: `npm ci` where the architecture differs (node_modules is then not copied: its
 * native files are per architecture), `npm rebuild mpi4ts` where only the MPI differs.
 */
import { resolve } from "node:path";
import { readHostfile } from "../hostfile.js";
import { headTarget, probeHere, probeRemote } from "./probe.js";
import { isLocalHost, mapBounded, runBounded, runRemoteScript, shellQuote, sshCommand, sshFailure } from "./remote.js";

export interface SyncResult {
  readonly host: string;
  readonly ok: boolean;
  /** What was done, or why it failed. */
  readonly steps: string[];
}

const COPY_TIMEOUT_MS = 30 * 60_000;

export async function syncCluster(hostfile: string, dirArg: string): Promise<SyncResult[]> {
  const dir = resolve(dirArg);
  const hosts = [...new Set(readHostfile(hostfile).map((e) => e.host))].filter((h) => !isLocalHost(h));
  const target = headTarget(dir);
  const head = probeHere(target);
  return mapBounded(hosts, 8, async (host): Promise<SyncResult> => {
    const steps: string[] = [];
    const before = await probeRemote(host, target, 20_000);
    if (!before.probe) {
      const { problem, fix } = sshFailure(host, before.result);
      return { host, ok: false, steps: [`${problem} (fix: ${fix})`] };
    }
    const otherArch = before.probe.arch !== head.arch;
    const otherMpi = before.probe.mpi !== head.mpi;
    const made = await runRemoteScript(host, `mkdir -p "$1"`, [dir], 20_000);
    if (made.code !== 0) return { host, ok: false, steps: [`mkdir -p ${dir} failed: ${made.stderr.trim()}`] };
    const ssh = sshCommand().map(shellQuote).join(" ");
    const useRsync = head.rsync && before.probe.rsync;
    const copy = useRsync
      ? await runBounded("rsync", ["-a", "-e", ssh, ...(otherArch ? ["--exclude", "/node_modules"] : []), `${dir}/`, `${host}:${dir}/`], "", COPY_TIMEOUT_MS)
      : await runBounded(sshCommand()[0]!.replace(/ssh$/, "scp"), ["-rpq", ...sshCommand().slice(1), `${dir}/.`, `${host}:${dir}/`], "", COPY_TIMEOUT_MS);
    if (copy.code !== 0) return { host, ok: false, steps: [`${useRsync ? "rsync" : "scp"} failed: ${copy.stderr.trim() || `exit ${copy.code}`}`] };
    steps.push(`copied ${dir} (${useRsync ? "rsync" : "scp"})`);
    const rebuild = otherArch ? "npm ci" : otherMpi ? "npm rebuild mpi4ts" : undefined;
    if (rebuild) {
      const r = await runRemoteScript(host, `cd "$1" && ${rebuild}`, [dir], COPY_TIMEOUT_MS);
      if (r.code !== 0) return { host, ok: false, steps: [...steps, `${rebuild} failed: ${r.stderr.trim().split("\n").slice(-3).join(" / ")}`] };
      steps.push(`${rebuild} (${otherArch ? `${before.probe.arch}, the head is ${head.arch}` : "another MPI than the head's"})`);
    }
    return { host, ok: true, steps };
  });
}
