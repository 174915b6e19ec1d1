// The playground's catalog (dist/playground/catalog.json): the modules of the browser runtime this build has,
// and the menu: every patternlet and exemplar, its title, the ranks, arguments and time limit its "Run:" line
// uses, and, for a program the browser cannot run, why. Read from the sources and dist/browser at build time, so
// the menu follows the examples and the runtime without a list kept by hand.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/** The specifiers a program may import in the browser, and the runtime's file for each (in dist/browser). */
const RUNTIME_FILES = { "mpi4ts": "mpi4ts.js", "mpi4ts/futures": "futures.js", "mpi4ts/pool": "pool.js" };

// What the browser runtime lacks, found in a program or the files it imports.
const UNSUPPORTED = [
  [/from\s+["'](node:[\w/]+)["']/, (m) => `imports ${m[1]}`],
  [/\.Spawn\s*\(/, () => "uses Spawn (new processes)"],
  [/\bMPI\.File\b/, () => "uses MPI.File (files)"],
  [/\bnew\s+(Pool|PoolExecutor)\b/, (m) => `uses ${m[1]} (its workers are spawned)`],
];

const GROUPS = [
  ["Start", "", (name) => name === "hello.ts"],
  ["Patternlets", "patternlets", (name) => name.endsWith(".ts")],
];

/** { runtime: the specifiers the built runtime serves, examples: the menu entries in menu order }. */
export function playgroundCatalog(root) {
  const runtime = Object.keys(RUNTIME_FILES).filter((name) => existsSync(join(root, "dist/browser", RUNTIME_FILES[name])));
  const missing = Object.keys(RUNTIME_FILES).filter((name) => !runtime.includes(name));
  const needs = [
    ...UNSUPPORTED,
    ...missing.map((name) => [new RegExp(`from\\s+["']${name}["']`), () => `imports ${name} (not in the browser runtime yet)`]),
  ];
  return { runtime, examples: examplesMenu(join(root, "examples"), needs) };
}

/** The menu entries, in menu order; paths are relative to examples/, "/"-separated. */
function examplesMenu(examples, needs) {
  const entries = [];
  for (const [group, dir, wanted] of GROUPS) {
    for (const name of readdirSync(join(examples, dir)).filter(wanted).sort()) entries.push(describe(examples, join(dir, name), group, needs));
  }
  for (const dir of readdirSync(join(examples, "exemplars"), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
    const folder = join("exemplars", dir);
    const files = readdirSync(join(examples, folder)).filter((name) => name.endsWith(".ts"));
    // A file a sibling imports (drug-design's ligands.ts) is a part of programs, not one.
    const parts = new Set(files.flatMap((name) => relativeImports(join(examples, folder, name)).map((f) => relative(join(examples, folder), f))));
    for (const name of files.filter((name) => !parts.has(name)).sort()) entries.push(describe(examples, join(folder, name), "Exemplars", needs));
  }
  return entries;
}

function describe(examples, path, group, needs) {
  const file = join(examples, path);
  const source = readFileSync(file, "utf8");
  const urlPath = path.split("\\").join("/");
  const title = firstSentence(source) ?? urlPath;
  const entry = { path: urlPath, group, title, ranks: 4, args: [] };
  const run = new RegExp(`npx mpi4ts run (.*?)examples/${escape(urlPath)}(.*)$`, "m").exec(source);
  if (run) {
    const options = run[1].trim().split(/\s+/);
    const n = options.indexOf("-n");
    if (n >= 0) entry.ranks = Number(options[n + 1]);
    const timeout = options.indexOf("--timeout");
    if (timeout >= 0) entry.timeout = Number(options[timeout + 1]);
    entry.args = run[2].trim().split(/\s+/).filter(Boolean);
  }
  const reasons = needsNode(file, needs);
  if (reasons) entry.needsNode = reasons;
  return entry;
}

/** The doc comment's first sentence (it may run over several lines). */
function firstSentence(source) {
  const comment = /^\/\*\*([\s\S]*?)\*\//.exec(source)?.[1];
  if (!comment) return undefined;
  const paragraph = comment.split(/\n\s*\*\s*\n/).map((p) => p.replace(/\s*\n\s*\*\s*/g, " ").trim()).find(Boolean);
  return paragraph?.split(/(?<=\.)\s/, 1)[0].replace(/\.$/, "");
}

/** Every reason the program or a file it imports cannot run in the browser, or undefined. */
function needsNode(file, needs) {
  const reasons = [];
  const seen = new Set();
  const visit = (path) => {
    if (seen.has(path)) return;
    seen.add(path);
    const code = stripComments(readFileSync(path, "utf8"));
    const where = path === file ? "" : ` in ${relative(dirname(file), path)}`;
    for (const [pattern, reason] of needs) {
      const m = pattern.exec(code);
      if (m) reasons.push(reason(m) + where);
    }
    relativeImports(path).forEach(visit);
  };
  visit(file);
  return reasons.length > 0 ? reasons.join(", ") : undefined;
}

/** The files a module imports by relative path (./x.js is the source x.ts, as mpi4ts run resolves it). */
function relativeImports(file) {
  const code = stripComments(readFileSync(file, "utf8"));
  return [...code.matchAll(/from\s+["'](\.\.?\/[^"']+)["']/g)]
    .map((m) => join(dirname(file), m[1].replace(/\.js$/, ".ts")))
    .filter((path) => existsSync(path));
}

// The doc comments mention Spawn and MPI.File when they explain; only code counts.
const stripComments = (code) => code.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");
const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
