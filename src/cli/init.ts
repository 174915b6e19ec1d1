/**
 * `mpi4ts init [dir]`: a ready project. `npm init -y` gives a CommonJS package whose tsc rejects the top-level
 * `await` that `mpi4ts run` runs fine; this one is an ES module package with a strict tsconfig that accepts it.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { UsageError } from "./usage.js";

const HELLO = `import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const { rank, size } = comm;

// Each rank passes a greeting to its right neighbour in a ring and awaits the one from its left.
const left = (rank - 1 + size) % size;
const right = (rank + 1) % size;
const incoming = comm.irecv<string>(left, 0);
comm.send(\`greetings from rank \${rank}\`, right, 0);
const greeting = await incoming;

console.log(\`rank \${rank} of \${size} on \${MPI.Get_processor_name()} got "\${greeting}"\`);
const total = comm.allreduce(rank, MPI.SUM);
if (rank === 0) console.log(\`the ranks add up to \${total}\`);
`;

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    module: "NodeNext",
    moduleResolution: "NodeNext",
    lib: ["ES2023"],
    types: ["node"],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
  },
  include: ["**/*.ts"],
  exclude: ["node_modules"],
};

function readme(name: string): string {
  return `# ${name}

\`npm install\`, then \`npm start\` runs hello.ts on 4 ranks (\`npx mpi4ts run -n 8 hello.ts\` for 8).
\`npm run typecheck\` checks the types; \`npx mpi4ts run --engine mpi -n 4 hello.ts\` runs on the system MPI.
The API: node_modules/mpi4ts/docs/api.md; examples to copy from: node_modules/mpi4ts/examples/.
`;
}

function packageJson(name: string, version: string): object {
  return {
    name,
    version: "0.1.0",
    private: true,
    type: "module",
    scripts: {
      start: "mpi4ts run -n 4 hello.ts",
      typecheck: "tsc --noEmit",
    },
    dependencies: { mpi4ts: `^${version}` },
    devDependencies: { "@types/node": "^20.19.0", typescript: "^5.9.3" },
  };
}

/** npm's rules for a package name, applied to the folder's name. */
function packageName(dir: string): string {
  const name = basename(dir).toLowerCase().replace(/[^a-z0-9._~-]+/g, "-").replace(/^[._-]+/, "");
  return name.length > 0 ? name : "mpi4ts-app";
}

/** Writes the project into `target` (created if needed); refuses to overwrite any file. Returns the exit code. */
export function initProject(target: string | undefined, version: string): number {
  const dir = resolve(target ?? ".");
  const name = packageName(dir);
  const files: [string, string][] = [
    ["package.json", `${JSON.stringify(packageJson(name, version), null, 2)}\n`],
    ["tsconfig.json", `${JSON.stringify(TSCONFIG, null, 2)}\n`],
    ["hello.ts", HELLO],
    ["README.md", readme(name)],
  ];
  const existing = files.map(([file]) => file).filter((file) => existsSync(join(dir, file)));
  if (existing.length > 0) throw new UsageError(`init: ${dir} already has ${existing.join(", ")}; nothing written (choose an empty folder)`);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of files) writeFileSync(join(dir, file), text);
  const cd = target === undefined ? "" : `cd ${target} && `;
  process.stdout.write(`mpi4ts: wrote ${files.map(([file]) => file).join(", ")} in ${dir}\nnext: ${cd}npm install && npm start\n`);
  return 0;
}

