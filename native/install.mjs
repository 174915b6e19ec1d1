#!/usr/bin/env node
/**
 * Builds the native addons; run by `npm install` / `npm rebuild mpi4ts`. Never fails the install: a build that
 * cannot be done prints one line and exits 0, and the built-in engine works.
 *
 *  - `mpi4ts_threads` (native/threads/): for the built-in engine's rank threads, sched_yield while waiting on an
 *    oversubscribed machine (more ranks than cores) and single copies of large messages from the sender's memory.
 *    Needs only a C compiler; without it, waiting ranks sleep and large messages are copied twice (slower, same
 *    results).
 *  - `mpi4ts_native` (this directory): the native MPI engine, when an MPI library is installed.
 *
 * Probing, in order: $MPI4TS_MPICC (a compiler wrapper such as `mpicc.mpich`), `mpicc`, `mpicc.openmpi`,
 * `mpicc.mpich`, then pkg-config (`ompi`, `mpich`). Open MPI's wrapper answers `--showme:compile` /
 * `--showme:link`; MPICH's answers `-compile_info` / `-link_info` (or `-show`).
 *
 * Environment:
 *   MPI4TS_MPICC=mpicc.mpich    which MPI to build against
 *   MPI4TS_BUILD_DIR=build/mpich where to put Release/mpi4ts_native.node (default: build); the loader looks in
 *                               build/ and build/mpich/ and picks the one matching the launcher's MPI
 *   MPI4TS_REQUIRE_NATIVE=1     exit 1 instead of 0 when MPI is missing or the build fails (CI)
 *   MPI4TS_VERBOSE=1            show the compiler's output
 *   MPI4TS_SKIP_NATIVE=1        do nothing
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "..");
const require = createRequire(import.meta.url);
const env = process.env;
const strict = env.MPI4TS_REQUIRE_NATIVE === "1";
const verbose = env.MPI4TS_VERBOSE === "1";

const NO_MPI =
  "mpi4ts: native MPI engine not built (no mpicc found); the built-in engine works. For clusters: apt-get install libopenmpi-dev && npm rebuild mpi4ts";

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", ...options });
  if (r.error || r.status !== 0) return undefined;
  return r.stdout.trim();
}

/** Splits a shell-ish flag string (wrappers print no quotes in practice). */
function words(text) {
  return text.split(/\s+/).filter(Boolean);
}

/** Asks a compiler wrapper for its flags; returns { flavour, compile, link } or undefined. */
function probeWrapper(wrapper) {
  const compile = run(wrapper, ["--showme:compile"]);
  const link = compile !== undefined ? run(wrapper, ["--showme:link"]) : undefined;
  if (compile !== undefined && link !== undefined) return { flavour: "openmpi", wrapper, compile: words(compile), link: words(link) };
  // MPICH: the whole command line, starting with the underlying compiler's name.
  let c = run(wrapper, ["-compile_info"]);
  let l = run(wrapper, ["-link_info"]);
  if (c === undefined || l === undefined) {
    c = l = run(wrapper, ["-show"]);
  }
  if (c !== undefined && l !== undefined) {
    return { flavour: "mpich", wrapper, compile: words(c).slice(1), link: words(l).slice(1) };
  }
  return undefined;
}

function probePkgConfig() {
  for (const [pkg, flavour] of [["ompi", "openmpi"], ["mpich", "mpich"]]) {
    const c = run("pkg-config", ["--cflags", pkg]);
    const l = run("pkg-config", ["--libs", pkg]);
    if (c !== undefined && l !== undefined) return { flavour, wrapper: `pkg-config ${pkg}`, compile: words(c), link: words(l) };
  }
  return undefined;
}

function probe() {
  const chosen = env.MPI4TS_MPICC;
  if (chosen) return probeWrapper(chosen);
  for (const w of ["mpicc", "mpicc.openmpi", "mpicc.mpich"]) {
    const found = probeWrapper(w);
    if (found) return found;
  }
  return probePkgConfig();
}

/** Sorts wrapper flags into gyp's buckets; library directories also become rpaths. */
function gypFlags(found) {
  const includes = [], defines = [], cflags = [], libs = [], ldflags = [];
  for (const w of found.compile) {
    if (w.startsWith("-I")) includes.push(w.slice(2));
    else if (w.startsWith("-D")) defines.push(w.slice(2));
    else if (w === "-pthread" || w.startsWith("-f") || w.startsWith("-m")) cflags.push(w);
  }
  for (const w of found.link) {
    if (w.startsWith("-L")) {
      libs.push(w);
      const dir = w.slice(2);
      if (!["/usr/lib", "/lib", "/usr/lib64"].includes(dir) && !/^\/usr\/lib\/[^/]+-linux-gnu$/.test(dir)) {
        ldflags.push(`-Wl,-rpath,${dir}`);
      }
    } else if (w.startsWith("-l") || w.endsWith(".so") || w.endsWith(".a")) libs.push(w);
    else if (w.startsWith("-Wl,") || w === "-pthread") ldflags.push(w);
  }
  return { includes, defines, cflags, libs, ldflags };
}

function finish(message, ok) {
  console.log(message);
  process.exit(ok || !strict ? 0 : 1);
}

/**
 * node-gyp, or undefined. It is not a dependency of the package: npm runs install scripts with its own node-gyp
 * (npm_config_node_gyp), and the repository has it as a devDependency; `node native/install.mjs` run by hand
 * finds the one inside the npm that came with this Node.
 */
function findNodeGyp() {
  const candidates = [env.npm_config_node_gyp];
  try {
    candidates.unshift(require.resolve("node-gyp/bin/node-gyp.js"));
  } catch {
    // not installed beside mpi4ts: npm's own below
  }
  if (env.npm_execpath) candidates.push(join(dirname(env.npm_execpath), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  candidates.push(resolve(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  return candidates.find((path) => path !== undefined && existsSync(path));
}

/**
 * Builds addon `target` with node-gyp: copies `files` from `from` to a fresh `<outDir>/gyp-<name>`, runs
 * `node-gyp rebuild` there (against the running Node's headers when they are installed: no download), and copies
 * the result to `<outDir>/Release`. Returns `{ release }`, or `{ log }` with node-gyp's output when it failed.
 */
function gypBuild(nodeGyp, name, from, files, target, outDir, extraEnv) {
  const staging = join(outDir, `gyp-${name}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  for (const f of files) copyFileSync(join(from, f), join(staging, f));
  const args = [nodeGyp, "rebuild", "--release"];
  const prefix = resolve(dirname(process.execPath), "..");
  const nodedir = env.npm_config_nodedir && existsSync(join(env.npm_config_nodedir, "include", "node", "node_api.h"))
    ? env.npm_config_nodedir
    : existsSync(join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
  if (nodedir) args.push(`--nodedir=${nodedir}`);
  if (verbose) console.log(`mpi4ts: node ${args.join(" ")} (in ${staging})`);
  const r = spawnSync(process.execPath, args, {
    cwd: staging,
    encoding: "utf8",
    stdio: verbose ? "inherit" : "pipe",
    env: { ...env, ...extraEnv },
  });
  const built = join(staging, "build", "Release", `${target}.node`);
  if (r.status !== 0 || !existsSync(built)) {
    const log = join(outDir, `install-${name}.log`);
    writeFileSync(log, `${r.stdout ?? ""}\n${r.stderr ?? ""}`);
    return { log };
  }
  const release = join(outDir, "Release");
  mkdirSync(release, { recursive: true });
  copyFileSync(built, join(release, `${target}.node`));
  return { release };
}

/** The thread helpers, into build/Release; a failure only costs speed (oversubscribed waits, large messages). */
function buildThreads(nodeGyp) {
  const { log } = gypBuild(nodeGyp, "threads", join(here, "threads"), ["binding.gyp", "threads.c"], "mpi4ts_threads", resolve(root, "build"), {});
  if (log) console.log(`mpi4ts: thread helpers not built (see ${log}); waiting ranks sleep when they outnumber the cores, and large messages are copied twice (slower).`);
}

function main() {
  if (env.MPI4TS_SKIP_NATIVE === "1") return;
  const nodeGyp = findNodeGyp();
  if (nodeGyp && !env.MPI4TS_BUILD_DIR) buildThreads(nodeGyp);
  const found = probe();
  if (!found) finish(NO_MPI, false);

  const outDir = resolve(root, env.MPI4TS_BUILD_DIR || "build");
  const flags = gypFlags(found);
  let napiInclude;
  try {
    napiInclude = dirname(require.resolve("node-addon-api/package.json"));
  } catch {
    finish("mpi4ts: native MPI engine not built (node-addon-api is missing: run npm install); the built-in engine works.", false);
  }
  if (!nodeGyp) {
    finish("mpi4ts: native MPI engine not built (node-gyp not found: install it with npm install -g node-gyp, then npm rebuild mpi4ts); the built-in engine works.", false);
  }
  if (verbose) console.log(`mpi4ts: building the native engine against ${found.flavour} (${found.wrapper})`);
  const { release, log } = gypBuild(nodeGyp, found.flavour, here, ["binding.gyp", "mpi4ts_native.cc", ...readdirSync(here).filter((f) => f.endsWith(".inc.cc"))], "mpi4ts_native", outDir, {
    MPI4TS_GYP_NAPI_INCLUDE: napiInclude,
    MPI4TS_GYP_INCLUDES: flags.includes.join(" "),
    MPI4TS_GYP_DEFINES: flags.defines.join(" "),
    MPI4TS_GYP_CFLAGS: flags.cflags.join(" "),
    MPI4TS_GYP_LIBS: flags.libs.join(" "),
    MPI4TS_GYP_LDFLAGS: flags.ldflags.join(" "),
  });
  if (log) {
    finish(`mpi4ts: native MPI engine not built (${found.flavour} found via ${found.wrapper}, but the build failed: see ${log}); the built-in engine works.`, false);
  }
  writeFileSync(join(release, "mpi4ts_native.json"), JSON.stringify({
    flavour: found.flavour,
    wrapper: found.wrapper,
    compile: found.compile,
    link: found.link,
    node: process.version,
    napi: process.versions.napi,
  }, null, 2) + "\n");
  const shown = isAbsolute(env.MPI4TS_BUILD_DIR || "") ? release : join(env.MPI4TS_BUILD_DIR || "build", "Release");
  console.log(`mpi4ts: native MPI engine built against ${found.flavour} (${found.wrapper}) in ${shown}`);
}

main();
