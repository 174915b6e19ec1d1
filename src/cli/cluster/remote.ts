/**
 * How mpi4ts reaches the hosts of a cluster: the same ssh that mpiexec uses, never asking for a password
 * (BatchMode) and never waiting long for a host that is down (ConnectTimeout). `$MPI4TS_SSH` replaces the ssh
 * command line (e.g. `ssh -F ~/cluster/ssh_config`); rsync gets the same line through `-e`.
 */
import { spawn } from "node:child_process";
import { hostname, networkInterfaces } from "node:os";

export const CONNECT_TIMEOUT_S = 5;

/** The ssh command line without the host: [command, ...options]. */
export function sshCommand(env: NodeJS.ProcessEnv = process.env): string[] {
  const base = (env.MPI4TS_SSH ?? "ssh").trim().split(/\s+/).filter(Boolean);
  return [...base, "-o", "BatchMode=yes", "-o", `ConnectTimeout=${CONNECT_TIMEOUT_S}`, "-o", "StrictHostKeyChecking=accept-new"];
}

export interface RemoteResult {
  /** Exit code of ssh (255: ssh itself failed), or null when the time bound ended it. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
  /** Date.now() when the first byte of stdout arrived (for clock offsets), or undefined. */
  readonly firstByteAt?: number;
}

/** Runs `sh -s -- args` on host with script on its stdin: one ssh per host, bounded by timeoutMs. */
export function runRemoteScript(host: string | readonly string[], script: string, args: readonly string[], timeoutMs: number): Promise<RemoteResult> {
  const [command, ...options] = sshCommand();
  const quoted = args.map(shellQuote).join(" ");
  return runBounded(command!, [...options, ...(typeof host === "string" ? [host] : host), `sh -s -- ${quoted}`], script, timeoutMs);
}

/** How long a command ended at its time bound gets after SIGTERM (mpirun then ends its ranks) before SIGKILL. */
const KILL_GRACE_MS = 3000;

/** Runs a local command with input on stdin, ended at timeoutMs (SIGTERM, then SIGKILL). */
export function runBounded(command: string, args: readonly string[], input: string, timeoutMs: number, env?: NodeJS.ProcessEnv): Promise<RemoteResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"], ...(env ? { env } : {}) });
    let stdout = "", stderr = "", timedOut = false;
    let firstByteAt: number | undefined;
    let killer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGTERM");
      killer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
    }, timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => { firstByteAt ??= Date.now(); stdout += chunk; });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => { stderr += chunk; });
    child.stdin.on("error", () => { /* a host that refused the connection closes stdin early */ });
    child.stdin.end(input);
    child.on("error", (e) => { clearTimeout(timer); clearTimeout(killer); resolve({ code: 127, stdout, stderr: `${stderr}${e.message}`, timedOut }); });
    child.on("close", (code) => {
      clearTimeout(timer);
      clearTimeout(killer);
      resolve({ code: timedOut ? null : code, stdout, stderr, timedOut, ...(firstByteAt === undefined ? {} : { firstByteAt }) });
    });
  });
}

/** Runs work over items with at most `limit` at once, keeping the items' order in the results. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) results[i] = await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Whether mpiexec would start this host's ranks here, without ssh (it never sshes to the launching host). */
export function isLocalHost(host: string): boolean {
  if (host === "localhost" || /^127\./.test(host) || host === "::1") return true;
  const own = hostname();
  if (host === own || host === own.split(".")[0]) return true;
  return Object.values(networkInterfaces()).some((list) => list?.some((a) => a.address === host));
}

/** One line naming why ssh failed and the command that fixes it. */
export function sshFailure(host: string, r: RemoteResult): { problem: string; fix: string } {
  const text = r.stderr;
  if (r.timedOut || /timed out/i.test(text)) return { problem: "ssh: no answer (host down, wrong address or a firewall)", fix: `ping ${host}; check the address in the hostfile` };
  if (/Connection refused/i.test(text)) return { problem: "ssh: connection refused (no ssh server)", fix: `on ${host}: sudo apt-get install openssh-server && sudo systemctl enable --now ssh` };
  if (/Could not resolve|Name or service not known/i.test(text)) return { problem: "ssh: unknown host name", fix: `add "ADDRESS ${host}" to /etc/hosts, or use its address in the hostfile` };
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED/i.test(text)) return { problem: "ssh: host key changed or unknown", fix: `ssh-keygen -R ${host} && ssh ${host} true` };
  if (/Permission denied/i.test(text)) return { problem: "ssh: needs a password (no key accepted)", fix: `ssh-keygen -t ed25519 (once) && ssh-copy-id ${host}` };
  if (/No route to host|Network is unreachable/i.test(text)) return { problem: "ssh: no route to host", fix: `check ${host}'s network cable/Wi-Fi and address` };
  const last = text.trim().split("\n").pop() ?? "";
  return { problem: `ssh failed (exit ${r.code})${last ? `: ${last}` : ""}`, fix: `ssh -o BatchMode=yes ${host} true   # must print nothing and ask nothing` };
}
