import { PoolExecutor } from "mpi4ts/futures";
import { square } from "./tasks.js";
const pool = new PoolExecutor();
console.log(await pool.submit(square, 7));
const out: number[] = [];
for await (const v of pool.map(square, [1, 2, 3, 4, 5], { chunksize: 2 })) out.push(v);
console.log(out);
await pool.shutdown();
