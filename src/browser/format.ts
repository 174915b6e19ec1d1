/**
 * console.log's text in a browser rank, as Node prints it (util.inspect's defaults: depth 2, lines broken at 80
 * columns, at most 3 levels of nesting on one line, long arrays of short items in columns, 100 items at most),
 * so that a program's output reads the same in the page as under `mpi4ts run`; the browser test compares the
 * two. It covers the values programs print: primitives, strings, arrays, typed arrays, plain objects and class
 * instances, Map, Set, Date, RegExp, errors, cycles, and mpi4ts's own objects through their inspect hook.
 */
import { inspectCustom } from "../inspect.js";

const BREAK_LENGTH = 80;
const COMPACT = 3;
const DEPTH = 2;
const MAX_ITEMS = 100;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

interface Context {
  indentationLvl: number;
  currentDepth: number;
  readonly seen: object[];
  /** Objects met again inside themselves, numbered as Node's `<ref *n>`. */
  readonly circular: Map<object, number>;
  /** %o: arrays also show their length, as Node's showHidden does. */
  readonly showHidden: boolean;
}

/** console.log's arguments as text: printf-style %s %d %i %f %j %o %O %c %% in a first string, then the rest. */
export function formatArgs(args: readonly unknown[]): string {
  const rest = [...args];
  let head = "";
  if (typeof rest[0] === "string" && rest[0].includes("%")) {
    const pattern = rest.shift() as string;
    head = pattern.replace(/%([sdifjoOc%])/g, (whole, spec: string) => {
      if (spec === "%") return "%";
      if (rest.length === 0) return whole;
      const value = rest.shift();
      switch (spec) {
        case "s": return typeof value === "string" ? value : typeof value === "bigint" ? `${value}n` : inspect(value, { depth: 0 });
        case "d": case "i": {
          if (typeof value === "bigint") return `${value}n`;
          const n = Number(value);
          return spec === "i" ? String(Math.trunc(n)) : String(n);
        }
        case "f": return String(Number(value));
        case "j": try { return JSON.stringify(value); } catch { return "[Circular]"; }
        case "c": return "";
        case "o": return inspect(value, { depth: 4, showHidden: true });
        default: return inspect(value);
      }
    });
    if (rest.length === 0) return head;
    head += " ";
  }
  return head + rest.map((value) => (typeof value === "string" ? value : inspect(value))).join(" ");
}

/** A value as util.inspect shows it (no colours). */
export function inspect(value: unknown, options: { depth?: number; showHidden?: boolean } = {}): string {
  const ctx: Context = { indentationLvl: 0, currentDepth: 0, seen: [], circular: new Map(), showHidden: options.showHidden ?? false };
  return formatValue(ctx, value, 0, options.depth ?? DEPTH, false);
}

function formatValue(ctx: Context, value: unknown, recurseTimes: number, depth: number, nested: boolean): string {
  switch (typeof value) {
    case "string": return nested ? quote(value) : value;
    case "number": return Object.is(value, -0) ? "-0" : String(value);
    case "bigint": return `${value}n`;
    case "boolean": case "undefined": return String(value);
    case "symbol": return value.toString();
  }
  if (value === null) return "null";
  const object = value as object;
  if (ctx.seen.includes(object)) {
    let index = ctx.circular.get(object);
    if (index === undefined) ctx.circular.set(object, (index = ctx.circular.size + 1));
    return `[Circular *${index}]`;
  }
  const hook = (object as Record<PropertyKey, unknown>)[inspectCustom];
  if (typeof hook === "function" && typeof value !== "function") {
    const inner = (v: unknown) => formatValue(ctx, v, recurseTimes, depth, true);
    return String((hook as (d: number, o: object, i: (v: unknown) => string) => unknown).call(object, depth - recurseTimes, {}, inner));
  }
  const text = formatObject(ctx, object, recurseTimes, depth);
  const ref = ctx.circular.get(object);
  return ref === undefined ? text : `<ref *${ref}> ${text}`;
}

function formatObject(ctx: Context, value: object, recurseTimes: number, depth: number): string {
  if (typeof value === "function") return `[${value.name ? `Function: ${value.name}` : "Function (anonymous)"}]`;
  if (value instanceof Error) return value.stack ?? `${value.name}: ${value.message}`;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
  if (value instanceof RegExp) return String(value);
  if (value instanceof ArrayBuffer) return `ArrayBuffer { byteLength: ${value.byteLength} }`;

  const isArray = Array.isArray(value);
  const isTyped = ArrayBuffer.isView(value) && !(value instanceof DataView);
  const proto = Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null;
  const className = proto === null ? "" : proto.constructor?.name ?? "";
  let braces: [string, string];
  if (isArray || isTyped) {
    const length = (value as ArrayLike<unknown>).length;
    const prefix = isTyped ? `${className}(${length}) ` : className !== "Array" ? `${className}(${length}) ` : "";
    braces = [`${prefix}[`, "]"];
  } else if (value instanceof Map || value instanceof Set) {
    braces = [`${className}(${value.size}) {`, "}"];
  } else {
    const label = proto === null ? "[Object: null prototype] " : className !== "" && className !== "Object" ? `${className} ` : "";
    braces = [`${label}{`, "}"];
  }
  if (recurseTimes > depth) return isArray || isTyped ? "[Array]" : `[${className || "Object"}]`;

  ctx.seen.push(value);
  ctx.currentDepth = recurseTimes;
  const child = (v: unknown) => formatValue(ctx, v, recurseTimes + 1, depth, true);
  const output: string[] = [];
  ctx.indentationLvl += 2;
  if (isArray || isTyped) {
    const items = value as ArrayLike<unknown>;
    const shown = Math.min(items.length, MAX_ITEMS);
    for (let i = 0; i < shown; i++) output.push(isArray && !(i in items) ? "<1 empty item>" : child(items[i]));
    if (items.length > shown) output.push(`... ${items.length - shown} more item${items.length - shown === 1 ? "" : "s"}`);
    if (isArray) for (const key of Object.keys(value).filter((k) => !/^\d+$/.test(k))) output.push(`${formatKey(key)}: ${child((value as unknown as Record<string, unknown>)[key])}`);
    if (ctx.showHidden && isArray) output.push(`[length]: ${items.length}`);
  } else if (value instanceof Map) {
    for (const [k, v] of value) output.push(`${child(k)} => ${child(v)}`);
  } else if (value instanceof Set) {
    for (const v of value) output.push(child(v));
  } else {
    for (const key of Object.keys(value)) output.push(`${formatKey(key)}: ${child((value as Record<string, unknown>)[key])}`);
  }
  ctx.indentationLvl -= 2;
  ctx.seen.pop();

  if (output.length === 0) return `${braces[0]}${braces[1]}`;
  const grouped = (isArray || isTyped) && output.length > 6 ? groupArrayElements(ctx, output, value as ArrayLike<unknown>) : output;
  return reduceToSingleString(ctx, grouped, output.length, braces, recurseTimes);
}

function formatKey(key: string): string {
  return IDENTIFIER.test(key) ? key : quote(key);
}

/** Node's quoting: single quotes, unless the string holds some and no double quotes (then those), else backticks. */
function quote(s: string): string {
  let q = "'";
  if (s.includes("'")) {
    if (!s.includes('"')) q = '"';
    else if (!s.includes("`") && !s.includes("${")) q = "`";
  }
  const escaped = s.replace(/[\\\n\t\r\b\f\v\0]/g, (c) => ({ "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b", "\f": "\\f", "\v": "\\v", "\0": "\\x00" })[c]!);
  return `${q}${q === "'" ? escaped.replace(/'/g, "\\'") : escaped}${q}`;
}

/** Node's reduceToSingleString (compact = 3): one line when it fits in 80 columns and nests little, else one entry per line. */
function reduceToSingleString(ctx: Context, output: string[], entries: number, braces: [string, string], recurseTimes: number): string {
  if (ctx.currentDepth - recurseTimes < COMPACT && entries === output.length) {
    const start = output.length + ctx.indentationLvl + braces[0].length + 10;
    if (isBelowBreakLength(output, start)) {
      const joined = output.join(", ");
      if (!joined.includes("\n")) return `${braces[0]} ${joined} ${braces[1]}`;
    }
  }
  const indentation = `\n${" ".repeat(ctx.indentationLvl)}`;
  return `${braces[0]}${indentation}  ${output.join(`,${indentation}  `)}${indentation}${braces[1]}`;
}

function isBelowBreakLength(output: readonly string[], start: number): boolean {
  let total = output.length + start;
  if (total + output.length > BREAK_LENGTH) return false;
  for (const entry of output) {
    total += entry.length;
    if (total > BREAK_LENGTH) return false;
  }
  return true;
}

/** Node's groupArrayElements: many short items go in aligned columns (numbers right-aligned). */
function groupArrayElements(ctx: Context, output: string[], value: ArrayLike<unknown>): string[] {
  let totalLength = 0;
  let maxLength = 0;
  const outputLength = output.length > MAX_ITEMS || /^\.\.\. \d+ more item/.test(output[output.length - 1]!) ? output.length - 1 : output.length;
  const separatorSpace = 2;
  const dataLen: number[] = [];
  for (let i = 0; i < outputLength; i++) {
    const len = output[i]!.length;
    dataLen.push(len);
    totalLength += len + separatorSpace;
    if (maxLength < len) maxLength = len;
  }
  const actualMax = maxLength + separatorSpace;
  if (actualMax * 3 + ctx.indentationLvl >= BREAK_LENGTH || (totalLength / actualMax <= 5 && maxLength > 6)) return output;
  const averageBias = Math.sqrt(actualMax - totalLength / output.length);
  const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
  const columns = Math.min(
    Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
    Math.floor((BREAK_LENGTH - ctx.indentationLvl) / actualMax),
    COMPACT * 4,
    15,
  );
  if (columns <= 1) return output;
  const maxLineLength: number[] = [];
  for (let i = 0; i < columns; i++) {
    let lineLength = 0;
    for (let j = i; j < output.length; j += columns) if ((dataLen[j] ?? 0) > lineLength) lineLength = dataLen[j]!;
    maxLineLength.push(lineLength + separatorSpace);
  }
  let numeric = true;
  for (let i = 0; i < output.length; i++) {
    if (typeof value[i] !== "number" && typeof value[i] !== "bigint") {
      numeric = false;
      break;
    }
  }
  const rows: string[] = [];
  for (let i = 0; i < outputLength; i += columns) {
    const max = Math.min(i + columns, outputLength);
    let line = "";
    let j = i;
    for (; j < max - 1; j++) {
      const cell = `${output[j]}, `;
      line += numeric ? cell.padStart(maxLineLength[j - i]!, " ") : cell.padEnd(maxLineLength[j - i]!, " ");
    }
    line += numeric ? output[j]!.padStart(maxLineLength[j - i]! - separatorSpace, " ") : output[j]!;
    rows.push(line);
  }
  if (outputLength < output.length) rows.push(output[outputLength]!);
  return rows;
}
