/**
 * What console.log and util.inspect show of mpi4ts objects: the class and the fields a user reasons about
 * (`Comm { name: 'MPI_COMM_WORLD', rank: 0, size: 4 }`), not private slots. Node's hook is a registered symbol, so
 * nothing here imports node:util.
 */
export const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom");

/** The `inspect` Node passes to the hook (it keeps the caller's colours and depth). */
export type Inspect = (value: unknown, options: object) => string;

export function inspectAs(name: string, fields: object, options: object, inspect: Inspect): string {
  return `${name} ${inspect(fields, options)}`;
}
