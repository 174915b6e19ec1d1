/**
 * Browser stand-in for `node:util`: only what mpi4ts imports from it.
 */

export const types = {
  /**
   * Always false: a Proxy is indistinguishable from its target to page scripts (that is
   * the point of Proxies), and only Node's native binding can see through one. In the
   * browser build the codec therefore reads a Proxy through its traps instead of
   * refusing it the way structured clone does.
   */
  isProxy(_value: unknown): boolean {
    return false;
  },
};

type Inspect = ((value: unknown, options?: unknown) => string) & { readonly custom: unique symbol };

/**
 * A plain formatter where Node's would print an object tree: enough for error messages.
 * Values that define `[inspect.custom]` format themselves, as in Node.
 */
function inspectImpl(value: unknown): string {
  if (value !== null && (typeof value === "object" || typeof value === "function")) {
    const custom = (value as Record<symbol, unknown>)[CUSTOM];
    if (typeof custom === "function") {
      const r: unknown = custom.call(value, 2, {}, inspectImpl);
      return typeof r === "string" ? r : inspectImpl(r);
    }
    if (typeof value === "function") return `[Function: ${value.name || "(anonymous)"}]`;
    try {
      return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v)) ?? String(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  if (typeof value === "string") return `'${value}'`;
  if (typeof value === "bigint") return `${value}n`;
  return String(value);
}

const CUSTOM: unique symbol = Symbol.for("nodejs.util.inspect.custom") as never;

export const inspect: Inspect = Object.assign(inspectImpl, { custom: CUSTOM }) as Inspect;
