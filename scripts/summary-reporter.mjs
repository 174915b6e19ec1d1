/**
 * `npm test`'s reporter: one line per test file as it ends (tests passed, failed, skipped, seconds), every
 * failure in full at the end (an assertion's message carries the job's output), and a total.
 * `npm test -- --verbose` uses Node's spec reporter instead. Files run one at a time (scripts/test.mjs), so a
 * file has ended when the next one reports.
 */
import { relative } from "node:path";
import { inspect } from "node:util";

const root = new URL("..", import.meta.url).pathname;

export default async function* summary(source) {
  const started = Date.now();
  const failures = [];
  const total = { pass: 0, fail: 0, skip: 0 };
  let current; // { name, pass, fail, skip, since }
  const line = (file) => {
    const seconds = ((Date.now() - file.since) / 1000).toFixed(1);
    const parts = [`${file.pass} passed`, ...(file.fail ? [`${file.fail} FAILED`] : []), ...(file.skip ? [`${file.skip} skipped`] : [])];
    return `${file.fail ? "✖" : "✔"} ${file.name}: ${parts.join(", ")} (${seconds} s)\n`;
  };
  for await (const { type, data } of source) {
    if (type !== "test:pass" && type !== "test:fail") continue;
    if (data.details?.type === "suite") continue; // its tests are counted one by one
    const name = data.file ? relative(root, data.file) : "(unknown file)";
    if (current?.name !== name) {
      if (current) yield line(current);
      current = { name, pass: 0, fail: 0, skip: 0, since: Date.now() - (data.details?.duration_ms ?? 0) };
    }
    const outcome = data.skip !== undefined || data.todo !== undefined ? "skip" : type === "test:pass" ? "pass" : "fail";
    current[outcome]++;
    total[outcome]++;
    if (outcome === "fail") {
      const error = data.details?.error;
      failures.push(`✖ ${name} › ${data.name}\n${inspect(error?.cause ?? error, { depth: 4 }).replace(/^/gm, "    ")}\n`);
    }
  }
  if (current) yield line(current);
  if (failures.length > 0) yield `\nfailures:\n\n${failures.join("\n")}`;
  const minutes = ((Date.now() - started) / 60000).toFixed(1);
  yield `\n${total.fail === 0 ? "✔" : "✖"} ${total.pass} passed, ${total.fail} failed, ${total.skip} skipped in ${minutes} min\n`;
}
