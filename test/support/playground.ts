/** `mpi4ts playground` started from tests: its URL once it listens, and its end. */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { CLI, ROOT } from "./jobs.js";

export interface RunningPlayground {
  readonly url: string;
  readonly port: number;
  /** Ends the server (SIGTERM) and resolves with its exit code. */
  stop(): Promise<number | null>;
}

export async function startPlayground(args: readonly string[] = []): Promise<RunningPlayground> {
  const child = spawn(process.execPath, [CLI, "playground", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stderr.on("data", (d: Buffer) => { stderr += d; });
  const url = await new Promise<string>((found, failed) => {
    const timer = setTimeout(() => failed(new Error(`the playground printed no URL within 10 s; stderr: ${stderr}`)), 10_000);
    child.stdout.on("data", (d: Buffer) => {
      stdout += d;
      const m = /http:\/\/127\.0\.0\.1:\d+\//.exec(stdout);
      if (m) { clearTimeout(timer); found(m[0]); }
    });
    child.once("exit", (code) => { clearTimeout(timer); failed(new Error(`the playground exited (${code}) before listening; stderr: ${stderr}`)); });
  });
  return {
    url,
    port: Number(new URL(url).port),
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      return code as number | null;
    },
  };
}
