/** The program a PoolExecutor spawns as each of its workers (dynamic.ts). */
import { servePool } from "./dynamic.js";

await servePool();
