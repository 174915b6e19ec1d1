/**
 * `mpi4ts cluster discover CIDR [--port 22] [--write FILE] [--format openmpi|mpich]`: the hosts of ONE named IPv4
 * range that answer ssh. Every address gets one TCP connect (at most PARALLEL at a time, each bounded) that must
 * greet with an SSH banner; those hosts then get one ssh for their name and cores. Nothing outside the range is
 * touched, and a range larger than MAX_ADDRESSES is refused rather than scanned.
 */
import { writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { UsageError } from "../usage.js";
import { mapBounded, runRemoteScript, sshFailure } from "./remote.js";

export const MAX_ADDRESSES = 4096;
const PARALLEL = 128;

export interface DiscoveredHost {
  readonly address: string;
  readonly name?: string;
  readonly cores?: number;
  /** Set when ssh answered but would not run a command without a password. */
  readonly sshProblem?: string;
  readonly fix?: string;
}

/** The host addresses of an IPv4 CIDR (without network and broadcast addresses below /31). */
export function addressesOf(cidr: string): string[] {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/.exec(cidr);
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const prefix = m?.[5] === undefined ? 32 : Number(m[5]);
  if (!m || octets.some((o) => o > 255) || prefix > 32) throw new UsageError(`discover ${cidr}: expected an IPv4 range such as 192.168.1.0/24`);
  const count = 2 ** (32 - prefix);
  if (count > MAX_ADDRESSES) throw new UsageError(`discover ${cidr}: ${count} addresses; name a range of at most ${MAX_ADDRESSES} (/20 or smaller), e.g. your LAN's /24`);
  const base = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const network = prefix === 0 ? 0 : (base & (~0 << (32 - prefix))) >>> 0;
  const first = count > 2 ? 1 : 0, last = count > 2 ? count - 2 : count - 1;
  const out: string[] = [];
  for (let i = first; i <= last; i++) {
    const a = (network + i) >>> 0;
    out.push([a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join("."));
  }
  return out;
}

/** Whether address:port accepts a TCP connection and greets as an ssh server, within timeoutMs. */
export function answersSsh(address: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let banner = "";
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.on("error", () => done(false));
    socket.on("data", (chunk) => {
      banner += chunk.toString("latin1");
      if (banner.length >= 4) done(banner.startsWith("SSH-"));
    });
    socket.on("end", () => done(false));
    socket.connect(port, address);
  });
}

const NAME_SCRIPT = `echo "host=$(hostname)"; echo "cores=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)"`;

export async function discover(cidr: string, port: number, timeoutMs: number): Promise<DiscoveredHost[]> {
  const addresses = addressesOf(cidr);
  const open = await mapBounded(addresses, PARALLEL, (a) => answersSsh(a, port, timeoutMs));
  const live = addresses.filter((_, i) => open[i]);
  const portOption = port === 22 ? [] : ["-p", String(port)];
  return mapBounded(live, 32, async (address) => {
    const r = await runRemoteScript([...portOption, address], NAME_SCRIPT, [], 15_000);
    if (r.code !== 0) {
      const { problem, fix } = sshFailure(address, r);
      return { address, sshProblem: problem, fix };
    }
    const name = /^host=(.*)$/m.exec(r.stdout)?.[1]?.trim();
    const cores = Number(/^cores=(\d+)$/m.exec(r.stdout)?.[1]);
    return { address, ...(name ? { name } : {}), ...(cores > 0 ? { cores } : {}) };
  });
}

export type HostfileFormat = "openmpi" | "mpich";

/** A hostfile of the hosts that ran a command over ssh, by address (names may not resolve on every host). */
export function hostfileText(hosts: readonly DiscoveredHost[], format: HostfileFormat): string {
  const usable = hosts.filter((h) => h.sshProblem === undefined);
  const lines = usable.map((h) => (format === "mpich"
    ? `${h.address}:${h.cores ?? 1}`
    : `${h.address} slots=${h.cores ?? 1}${h.name ? `   # ${h.name}` : ""}`));
  return `${lines.join("\n")}\n`;
}

export function formatDiscovered(cidr: string, hosts: readonly DiscoveredHost[]): string {
  const lines = [`${hosts.length} host(s) in ${cidr} answer ssh`];
  for (const h of hosts) {
    lines.push(h.sshProblem === undefined
      ? `  ${h.address.padEnd(15)}  ${(h.name ?? "?").padEnd(20)}  ${h.cores ?? "?"} cores`
      : `  ${h.address.padEnd(15)}  ✗ ${h.sshProblem}\n      fix: ${h.fix}`);
  }
  return lines.join("\n");
}

export function writeHostfile(file: string, hosts: readonly DiscoveredHost[], format: HostfileFormat): void {
  writeFileSync(file, hostfileText(hosts, format));
}
