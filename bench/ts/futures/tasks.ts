/** The benchmark's tasks: an empty one, and one that keeps its worker busy for 1 ms. */
import { exportTasks } from "mpi4ts/futures";

export function empty(): null { return null; }
export function busy1ms(): null {
  const end = performance.now() + 1;
  while (performance.now() < end);
  return null;
}
exportTasks(import.meta.url, { empty, busy1ms });
