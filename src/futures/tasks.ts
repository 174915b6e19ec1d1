/**
 * Functions travel by reference, as mpi4py pickles them by qualified name: a task is (module URL, name) of a
 * function its module registered with `exportTasks(import.meta.url, { f, g })`. The launcher bundles a program
 * with everything it imports into one file, so an ES module's own export list cannot name a function's module;
 * the registration can, because `import.meta.url` keeps naming the source file in the bundle. A worker finds the
 * function in its own copy of the registry, importing (and, for TypeScript, compiling) the module if needed.
 */
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { MPIError } from "../errors.js";

export interface TaskRef { module: string; name: string }

/** Any function, as a task: its arguments are checked where it is submitted (submit's and map's types). */
export type TaskFunction = (...args: never[]) => unknown;

interface Registry {
  byFunction: Map<unknown, TaskRef>;
  byModule: Map<string, Map<string, TaskFunction>>;
}

// One registry per thread even if the runtime is loaded twice (a task module compiled with mpi4ts inside).
const REGISTRY = Symbol.for("mpi4ts.futures.tasks");
function registry(): Registry {
  const slot = globalThis as Record<symbol, Registry | undefined>;
  return (slot[REGISTRY] ??= { byFunction: new Map(), byModule: new Map() });
}

/**
 * Makes a module's functions submittable to a pool: call it in the module that defines them, with that module's
 * `import.meta.url`. Returns `tasks`, so `export const { f, g } = exportTasks(import.meta.url, { f, g })` works too.
 */
export function exportTasks<const M extends Record<string, TaskFunction>>(moduleUrl: string, tasks: M): M {
  // A file: URL under Node; http:, https: or blob: in a web page.
  if (typeof moduleUrl !== "string" || !/^(file|https?|blob):/.test(moduleUrl)) {
    throw new MPIError("ERR_ARG", `exportTasks: moduleUrl must be the module's import.meta.url (a URL), got ${typeof moduleUrl === "string" ? JSON.stringify(moduleUrl) : typeof moduleUrl}`);
  }
  if (tasks === null || typeof tasks !== "object") throw new MPIError("ERR_ARG", `exportTasks: tasks must be an object { name: function }, got ${tasks === null ? "null" : typeof tasks}`);
  const { byFunction, byModule } = registry();
  const names = byModule.get(moduleUrl) ?? new Map<string, TaskFunction>();
  for (const [name, fn] of Object.entries(tasks)) {
    if (typeof fn !== "function") throw new MPIError("ERR_ARG", `exportTasks: tasks.${name} is not a function (${typeof fn})`);
    names.set(name, fn);
    if (!byFunction.has(fn)) byFunction.set(fn, { module: moduleUrl, name });
  }
  byModule.set(moduleUrl, names);
  return tasks;
}

/** The reference a worker can resolve; refuses, at submit, a function no module registered. */
export function taskRef(call: string, fn: unknown): TaskRef {
  if (typeof fn !== "function") throw new MPIError("ERR_TYPE", `${call}: fn must be a function, got ${fn === null ? "null" : typeof fn}`);
  const ref = registry().byFunction.get(fn);
  if (ref) return ref;
  const label = fn.name ? `function ${fn.name}` : "an anonymous function";
  throw new MPIError("ERR_TYPE",
    `${call}: ${label} cannot be sent to a worker: tasks travel by reference, so define the function at the top level ` +
    `of a module (not the main program, not a closure) and register it there with ` +
    `exportTasks(import.meta.url, { ${fn.name || "myTask"} }) from "mpi4ts/futures"; pass extra data as arguments`);
}

/** A registered function, called with the arguments that travelled (checked against its type on the head). */
type Callable = (...args: unknown[]) => unknown;

/** The function a reference names, importing its module on first use (in this thread). */
export async function resolveTask(ref: TaskRef): Promise<Callable> {
  const found = registry().byModule.get(ref.module)?.get(ref.name);
  if (found) return found as Callable;
  if (!registry().byModule.has(ref.module)) await importModule(ref.module);
  const fn = registry().byModule.get(ref.module)?.get(ref.name);
  if (!fn) throw new MPIError("ERR_TYPE", `the task module ${ref.module} does not register a task named ${ref.name} on this worker (exportTasks(import.meta.url, { ${ref.name} }))`);
  return fn as Callable;
}

const imported = new Map<string, Promise<unknown>>();
function importModule(url: string): Promise<unknown> {
  let p = imported.get(url);
  if (!p) {
    p = (async () => {
      const path = fileURLToPath(url);
      if ([".js", ".mjs", ".cjs"].includes(extname(path))) return import(url);
      // TypeScript: compiled like a program (once per content, cached), with source maps to its .ts lines.
      const { prepareProgram } = await import("../cli/program.js");
      return import((await prepareProgram(path)).url);
    })();
    imported.set(url, p);
  }
  return p;
}
