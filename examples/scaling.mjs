#!/usr/bin/env node
// Scaling study: runs every exemplar at 1, 2 and 4 ranks with the built-in
// engine and prints speedup and efficiency tables.
//
//   npm run scaling                          (builds, then runs this file)
//   node examples/scaling.mjs [--ranks 1,2,4] [--quick] [--engine mpi] [name ...]
//
// Every exemplar prints machine-readable timing lines on rank 0:
//
//   TIME <label> <seconds>
//
// where <label> is `parallel` (the slowest rank's time for the parallel
// version), `sequential` (the sequential baseline, on rank 0 alone), or the
// name of a strategy (drug design prints `static` and `dynamic`). This script
// parses them. For each parallel label:
//   speedup    = time at 1 rank / time at N ranks
//   efficiency = speedup / N
//   vs seq     = sequential baseline (from the 1-rank run) / time at N ranks
// On a machine with C cores, expect efficiency to fall once N > C: extra ranks
// then share the same cores.

import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const launcher = join(root, "bin", "mpi4ts.js");

/** Each exemplar, with sizes that take about a second at 1 rank on a quiet 2-core machine, and small ones for --quick. */
const exemplars = [
  { name: "monte-carlo-pi", file: "examples/exemplars/monte-carlo-pi/pi.ts", args: ["50000000"], quick: ["2000000"] },
  { name: "trapezoid", file: "examples/exemplars/trapezoid/trapezoid.ts", args: ["50000000"], quick: ["2000000"] },
  { name: "drug-design", file: "examples/exemplars/drug-design/drug-design.ts", args: ["100", "5"], quick: ["30", "4"] },
  { name: "forest-fire", file: "examples/exemplars/forest-fire/forest-fire.ts", args: ["60", "150", "20", "SVG"], quick: ["30", "20", "10", "SVG"] },
  { name: "heat-diffusion", file: "examples/exemplars/heat-diffusion/heat.ts", args: ["600", "600", "400"], quick: ["100", "100", "50"] },
  { name: "odd-even-sort", file: "examples/exemplars/odd-even-sort/odd-even-sort.ts", args: ["4000000"], quick: ["200000"] },
  { name: "matrix-vector", file: "examples/exemplars/matrix-vector/matvec.ts", args: ["3072", "3072", "30"], quick: ["512", "512", "10"] },
];

// ---- command line ---------------------------------------------------------
const argv = process.argv.slice(2);
let ranks = [1, 2, 4];
let quick = false;
let engine = null;
const only = [];
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === "--ranks") ranks = argv[++i].split(",").map(Number);
  else if (a === "--quick") quick = true;
  else if (a === "--engine") engine = argv[++i];
  else if (a === "-h" || a === "--help") {
    console.log("usage: node examples/scaling.mjs [--ranks 1,2,4] [--quick] [--engine local|mpi] [exemplar ...]");
    console.log(`exemplars: ${exemplars.map((e) => e.name).join(", ")}`);
    process.exit(0);
  } else only.push(a);
}
const unknown = only.filter((n) => !exemplars.some((e) => e.name === n));
if (unknown.length > 0) {
  console.error(`unknown exemplar(s): ${unknown.join(", ")}; known: ${exemplars.map((e) => e.name).join(", ")}`);
  process.exit(2);
}
if (!ranks.includes(1)) ranks.unshift(1); // speedups are relative to 1 rank
const selected = exemplars.filter((e) => only.length === 0 || only.includes(e.name));
const svgPath = join(process.env.TMPDIR ?? "/tmp", `mpi4ts-scaling-forest-fire-${process.pid}.svg`);

/** Runs one exemplar at n ranks; returns { label: seconds }. */
function run(exemplar, n) {
  const args = (quick ? exemplar.quick : exemplar.args).map((a) => (a === "SVG" ? svgPath : a));
  // Open MPI refuses more ranks than cores unless told to oversubscribe; the built-in engine always allows it.
  const engineOptions = engine ? ["--engine", engine, ...(engine === "mpi" && n > availableParallelism() ? ["--oversubscribe"] : [])] : [];
  const cmd = [launcher, "run", ...engineOptions, "-n", String(n), exemplar.file, ...args];
  const result = spawnSync(process.execPath, cmd, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    console.error(`\n${exemplar.name} at ${n} ranks failed (exit ${result.status ?? result.signal}):`);
    console.error(`  node ${cmd.map((c) => (c.startsWith(root) ? c.slice(root.length + 1) : c)).join(" ")}`);
    console.error((result.stdout + result.stderr).split("\n").slice(-20).join("\n"));
    return null;
  }
  const times = {};
  for (const line of result.stdout.split("\n")) {
    const m = /^(?:\[\d+\]\s*)?TIME\s+(\S+)\s+([0-9.eE+-]+)\s*$/.exec(line.trim());
    if (m) times[m[1]] = Number(m[2]);
  }
  if (Object.keys(times).length === 0) {
    console.error(`\n${exemplar.name} at ${n} ranks printed no TIME lines`);
    return null;
  }
  return times;
}

const pad = (s, w) => String(s).padStart(w);
const summary = []; // [name/label, speedups per ranks]
let failures = 0;

console.log(`Scaling study on ${availableParallelism()} core(s); ranks ${ranks.join(", ")}${quick ? " (quick sizes)" : ""}${engine ? `, engine ${engine}` : ""}`);
for (const exemplar of selected) {
  const byRanks = new Map();
  for (const n of ranks) {
    process.stderr.write(`running ${exemplar.name} at ${n} rank(s)...\n`);
    const times = run(exemplar, n);
    if (times === null) failures++;
    else byRanks.set(n, times);
  }
  const base = byRanks.get(1);
  const args = (quick ? exemplar.quick : exemplar.args).filter((a) => a !== "SVG").join(" ");
  console.log(`\n${exemplar.name} (${args})`);
  if (!base) {
    console.log("  no 1-rank run: no table");
    continue;
  }
  const sequential = base.sequential;
  if (sequential !== undefined) console.log(`  sequential baseline: ${sequential.toFixed(3)} s`);
  const labels = Object.keys(base).filter((l) => l !== "sequential");
  for (const label of labels) {
    console.log(`  ${label}:`);
    console.log(`    ${pad("ranks", 5)} ${pad("time (s)", 9)} ${pad("speedup", 8)} ${pad("efficiency", 10)} ${pad("vs seq", 7)}`);
    const speedups = [];
    for (const n of ranks) {
      const t = byRanks.get(n)?.[label];
      if (t === undefined) {
        console.log(`    ${pad(n, 5)} ${pad("failed", 9)}`);
        speedups.push(null);
        continue;
      }
      const speedup = base[label] / t;
      speedups.push(speedup);
      const vsSeq = sequential !== undefined ? (sequential / t).toFixed(2) : "-";
      console.log(`    ${pad(n, 5)} ${pad(t.toFixed(3), 9)} ${pad(speedup.toFixed(2), 8)} ${pad((100 * speedup / n).toFixed(0) + "%", 10)} ${pad(vsSeq, 7)}`);
    }
    summary.push([labels.length > 1 ? `${exemplar.name} ${label}` : exemplar.name, speedups]);
  }
}

if (summary.length > 1) {
  console.log("\nSpeedup summary (time at 1 rank / time at N ranks)");
  const width = Math.max(...summary.map(([name]) => name.length));
  console.log(`  ${"exemplar".padEnd(width)} ${ranks.map((n) => pad(`N=${n}`, 7)).join(" ")}`);
  for (const [name, speedups] of summary) {
    console.log(`  ${name.padEnd(width)} ${speedups.map((s) => pad(s === null ? "-" : s.toFixed(2), 7)).join(" ")}`);
  }
}
rmSync(svgPath, { force: true });
if (failures > 0) {
  console.error(`\n${failures} run(s) failed`);
  process.exit(1);
}
