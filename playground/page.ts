/**
 * The playground page (index.html): the menu of examples, the editor, ranks and arguments, Run and Stop, the
 * output per rank or interleaved, the launcher's report, the exit code and the message timeline drawn live. `#patternlets/07-ring.ts` in the
 * URL opens that example.
 */
import { MAX_BROWSER_RANKS } from "../src/browser/job.js";
import { exampleUrl, loadCatalog, loadSource, type ExampleEntry } from "./catalog.js";
import { preloadCompiler } from "./compile.js";
import { createEditor } from "./editor.js";
import { OutputView } from "./output.js";
import { cannotRunHere } from "./runner.js";
import { RunSession } from "./session.js";

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const menu = byId<HTMLSelectElement>("program");
const ranks = byId<HTMLInputElement>("ranks");
const args = byId<HTMLInputElement>("args");
const runButton = byId<HTMLButtonElement>("run");
const interleave = byId<HTMLInputElement>("interleave");
const drawTimeline = byId<HTMLInputElement>("draw-timeline");

let current: ExampleEntry | undefined;
// A program that needs Node is refused as it is; once the user changed it, it is theirs to try.
let edited = false;
const editor = createEditor(byId("editor"), "", { onEdit: () => { edited = true; }, onRun: () => run() });
const output = new OutputView(byId("output"), "ranks");
const session = new RunSession({
  editor, output, runButton, report: byId("report"), status: byId("status"), exit: byId("exit"), stopButton: byId("stop"),
  timeline: byId<HTMLIFrameElement>("timeline"),
});
ranks.max = String(MAX_BROWSER_RANKS);

async function choose(entry: ExampleEntry): Promise<void> {
  current = entry;
  menu.value = entry.path;
  ranks.value = String(entry.ranks);
  args.value = entry.args.join(" ");
  editor.setText(await loadSource(exampleUrl(entry)));
  edited = false;
  output.reset(entry.ranks);
  if (location.hash.slice(1) !== entry.path) history.replaceState(null, "", `#${entry.path}`);
  if (entry.needsNode) session.refuse(needsNodeMessage(entry));
  else session.say("Ready.");
}

function needsNodeMessage(entry: ExampleEntry): string {
  const command = ["npx mpi4ts run -n", String(entry.ranks), `examples/${entry.path}`, ...entry.args].join(" ");
  return `This program needs Node: it ${entry.needsNode}. Run it with: ${command}`;
}

function run(): void {
  if (!current) return;
  if (current.needsNode && !edited) {
    session.refuse(needsNodeMessage(current));
    return;
  }
  const size = Number(ranks.value);
  if (!Number.isInteger(size) || size < 1 || size > MAX_BROWSER_RANKS) {
    session.refuse(`Ranks: a whole number from 1 to ${MAX_BROWSER_RANKS}, not "${ranks.value}".`);
    return;
  }
  void session.run({
    programUrl: exampleUrl(current).href,
    size,
    args: args.value.split(/\s+/).filter(Boolean),
    trace: drawTimeline.checked,
    ...(current.timeout !== undefined ? { timeout: current.timeout } : {}),
  });
}

function fillMenu(catalog: readonly ExampleEntry[]): void {
  const groups = new Map<string, HTMLOptGroupElement>();
  for (const entry of catalog) {
    let group = groups.get(entry.group);
    if (!group) {
      group = document.createElement("optgroup");
      group.label = entry.group;
      groups.set(entry.group, group);
      menu.append(group);
    }
    const option = document.createElement("option");
    option.value = entry.path;
    option.textContent = entry.needsNode ? `${entry.title} (needs Node)` : entry.title;
    if (entry.needsNode) option.dataset.needsNode = entry.needsNode;
    group.append(option);
  }
}

async function start(): Promise<void> {
  const catalog = (await loadCatalog()).examples;
  fillMenu(catalog);
  menu.addEventListener("change", () => {
    const entry = catalog.find((e) => e.path === menu.value);
    if (entry) void choose(entry);
  });
  runButton.addEventListener("click", run);
  interleave.addEventListener("change", () => output.setMode(interleave.checked ? "interleaved" : "ranks"));
  const wanted = catalog.find((e) => e.path === decodeURIComponent(location.hash.slice(1)));
  await choose(wanted ?? catalog.find((e) => e.path.includes("00-spmd-hello")) ?? catalog[0]!);
  const refusal = cannotRunHere();
  if (refusal) session.refuse(refusal);
  else preloadCompiler();
  document.body.dataset.ready = "true";
}

start().catch((e: unknown) => session.refuse(`The playground could not start: ${(e as Error).message}`));
