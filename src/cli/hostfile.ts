/**
 * MPI hostfiles, read before mpiexec sees them: a missing or malformed file is one mpi4ts line naming the file and
 * line, instead of the MPI launcher's "internal error" banner. Both forms are accepted, as either launcher may
 * be underneath: Open MPI's `host slots=N max_slots=M` and MPICH's `host:N`; `#` starts a comment.
 */
import { readFileSync, statSync } from "node:fs";
import { UsageError } from "./usage.js";

export interface HostEntry {
  readonly host: string;
  /** Slots given for the host, or undefined (the launcher then counts its cores). */
  readonly slots?: number;
  readonly line: number;
}

const HOST = String.raw`[A-Za-z0-9_.:\[\]%-]+`;
const OPEN_MPI_LINE = new RegExp(String.raw`^(${HOST}?)((?:\s+(?:slots|max_slots|max-slots)\s*=\s*\d+)*)$`);
const MPICH_LINE = /^([A-Za-z0-9_.-]+):(\d+)$/;

export function readHostfile(path: string): HostEntry[] {
  let text: string;
  try {
    if (!statSync(path).isFile()) throw new UsageError(`--hostfile ${path}: not a file`);
    text = readFileSync(path, "utf8");
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`--hostfile ${path}: ${code === "ENOENT" ? "no such file" : code === "EACCES" ? "not readable" : String(e)}`);
  }
  const hosts: HostEntry[] = [];
  text.split("\n").forEach((raw, index) => {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") return;
    const mpich = MPICH_LINE.exec(line);
    const openmpi = mpich ? null : OPEN_MPI_LINE.exec(line);
    if (mpich) {
      hosts.push({ host: mpich[1]!, slots: Number(mpich[2]), line: index + 1 });
    } else if (openmpi && openmpi[1]) {
      const slots = /slots\s*=\s*(\d+)/.exec(openmpi[2]!);
      hosts.push({ host: openmpi[1], ...(slots ? { slots: Number(slots[1]) } : {}), line: index + 1 });
    } else {
      throw new UsageError(`--hostfile ${path}: line ${index + 1}: ${JSON.stringify(raw.trim())} is not a host line (expected "host", "host slots=N" or "host:N")`);
    }
  });
  if (hosts.length === 0) throw new UsageError(`--hostfile ${path}: names no host (one host per line: "host slots=N" or "host:N")`);
  const zero = hosts.find((h) => h.slots === 0);
  if (zero) throw new UsageError(`--hostfile ${path}: line ${zero.line}: ${zero.host} has 0 slots`);
  return hosts;
}
