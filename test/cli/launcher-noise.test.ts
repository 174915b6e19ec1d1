/** What the mpi engine's launcher drops from mpiexec's stderr (src/cli/launcher-noise.ts), and what it keeps. */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { test } from "node:test";
import { relayLauncherStderr } from "../../src/cli/launcher-noise.js";

const dashes = "-".repeat(74);

test("drops Open MPI's MPI_ABORT banner and its show_help errors, MPICH's abort line; keeps everything else whole", async () => {
  const from = new PassThrough();
  const out: string[] = [];
  const relayed = relayLauncherStderr(from, { write: (text: string) => out.push(text) });
  const text = [
    "a rank's own line",
    dashes, "MPI_ABORT was invoked on rank 1 in communicator MPI_COMM_WORLD", "with errorcode 7.", "", "NOTE: ...", dashes,
    "[vm:14312] [[23318,0],0] ORTE_ERROR_LOG: Data unpack would read past end of buffer in file ../../../orte/util/show_help.c at line 501",
    "[vm:14496] [[21598,0],0] ORTE_ERROR_LOG: Out of resource in file ../../../orte/util/show_help.c at line 507",
    "Abort(7) on node 1 (rank 1 in comm 0): application called MPI_Abort(MPI_COMM_WORLD, 7) - process 1",
    dashes, "mpirun noticed that process rank 0 with PID 1 on node vm exited on signal 11 (Segmentation fault).", dashes,
    "a last line without newline",
  ].join("\n");
  // split across chunks, even inside a line
  from.write(text.slice(0, 100));
  from.end(text.slice(100));
  await relayed;
  assert.deepEqual(out.join("").split("\n"), [
    "a rank's own line",
    dashes, "mpirun noticed that process rank 0 with PID 1 on node vm exited on signal 11 (Segmentation fault).", dashes,
    "a last line without newline", "",
  ]);
});
