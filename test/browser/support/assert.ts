/**
 * node:assert/strict for the API suites when they run in a browser page (runtime.test.ts): the calls the suites
 * make, with Node's strict semantics (Object.is for primitives, prototypes and own keys compared, typed arrays,
 * Map, Set, Date, RegExp and errors by content). Failures throw an AssertionError with both values shown.
 */
class AssertionError extends Error {
  override name = "AssertionError";
}

function show(value: unknown): string {
  try {
    return typeof value === "bigint" ? `${value}n` : JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

function fail(message: string | Error | undefined, fallback: string): never {
  if (message instanceof Error) throw message;
  throw new AssertionError(message ?? fallback);
}

function deepStrictEqual(a: unknown, b: unknown, seen = new Map<object, object>()): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof RegExp) return String(a) === String(b);
  if (a instanceof Error && (a.message !== (b as Error).message || a.name !== (b as Error).name)) return false;
  if (ArrayBuffer.isView(a) && !(a instanceof DataView)) {
    const x = a as unknown as ArrayLike<unknown>, y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
    return true;
  }
  if (a instanceof ArrayBuffer) return deepStrictEqual(new Uint8Array(a), new Uint8Array(b as ArrayBuffer), seen);
  if (a instanceof Map) {
    const other = b as Map<unknown, unknown>;
    if (a.size !== other.size) return false;
    for (const [k, v] of a) if (!other.has(k) || !deepStrictEqual(v, other.get(k), seen)) return false;
    return true;
  }
  if (a instanceof Set) {
    const other = b as Set<unknown>;
    if (a.size !== other.size) return false;
    for (const v of a) if (!other.has(v) && ![...other].some((w) => deepStrictEqual(v, w, seen))) return false;
    return true;
  }
  const ka = Object.keys(a), kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
    if (!deepStrictEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], seen)) return false;
  }
  return true;
}

function matchesExpected(error: unknown, expected: unknown): boolean {
  if (expected === undefined) return true;
  if (expected instanceof RegExp) return expected.test(String(error instanceof Error ? `${error.name}: ${error.message}` : error)) || expected.test(String((error as Error)?.message));
  if (typeof expected === "function") {
    if (expected.prototype !== undefined && error instanceof (expected as new () => unknown)) return true;
    return (expected as (e: unknown) => unknown)(error) === true;
  }
  if (typeof expected === "object" && expected !== null) {
    return Object.entries(expected).every(([k, v]) => {
      const actual = (error as Record<string, unknown>)[k];
      return v instanceof RegExp ? v.test(String(actual)) : deepStrictEqual(actual, v);
    });
  }
  return false;
}

const assert = {
  AssertionError,
  equal(actual: unknown, expected: unknown, message?: string | Error): void {
    if (!Object.is(actual, expected)) fail(message, `Expected values to be strictly equal: ${show(actual)} !== ${show(expected)}`);
  },
  notEqual(actual: unknown, expected: unknown, message?: string | Error): void {
    if (Object.is(actual, expected)) fail(message, `Expected "actual" to be strictly unequal to: ${show(expected)}`);
  },
  deepEqual(actual: unknown, expected: unknown, message?: string | Error): void {
    if (!deepStrictEqual(actual, expected)) fail(message, `Expected values to be strictly deep-equal: ${show(actual)} vs ${show(expected)}`);
  },
  ok(value: unknown, message?: string | Error): void {
    if (!value) fail(message, `The expression evaluated to a falsy value: ${show(value)}`);
  },
  match(value: string, pattern: RegExp, message?: string | Error): void {
    if (!pattern.test(value)) fail(message, `The input did not match ${String(pattern)}: ${show(value)}`);
  },
  fail(message?: string | Error): never {
    return fail(message, "Failed");
  },
  throws(fn: () => unknown, expected?: unknown, message?: string | Error): void {
    try {
      fn();
    } catch (error) {
      if (!matchesExpected(error, expected)) fail(typeof expected === "string" ? expected : message, `The error did not match: ${String(error)}`);
      return;
    }
    fail(typeof expected === "string" ? expected : message, "Missing expected exception.");
  },
  async rejects(promise: Promise<unknown> | (() => Promise<unknown>), expected?: unknown, message?: string | Error): Promise<void> {
    try {
      await (typeof promise === "function" ? promise() : promise);
    } catch (error) {
      if (!matchesExpected(error, expected)) fail(typeof expected === "string" ? expected : message, `The rejection did not match: ${String(error)}`);
      return;
    }
    fail(typeof expected === "string" ? expected : message, "Missing expected rejection.");
  },
};

export default assert;
export { AssertionError };
