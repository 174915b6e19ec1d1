/** An mpi4ts parent spawning mpi4py children (test/native/spawn-interop.test.ts): buffers both ways, Disconnect. */
import { MPI } from "mpi4ts";

const child = new URL("./spawn_child.py", import.meta.url).pathname;
const inter = MPI.COMM_SELF.Spawn("/usr/bin/python3", [child], 2);
for (let c = 0; c < 2; c++) inter.Send(Float64Array.of(c, 1.5), c, 1);
for (let c = 0; c < 2; c++) {
  const back = new Float64Array(2);
  inter.Recv(back, c, 2);
  if (back[0] !== 2 * c || back[1] !== 3) throw new Error(`child ${c} answered ${[...back]}`);
}
inter.Disconnect();
console.log("spawn ts parent ok");
