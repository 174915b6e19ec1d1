/** A tiny mpi-engine job for test/native/cli.test.ts: every rank checks an allreduce and reports its engine. */
import assert from "node:assert/strict";
import { MPI } from "../../../src/index.js";

const comm = MPI.COMM_WORLD;
const total = comm.allreduce(comm.rank + 1);
assert.equal(total, (comm.size * (comm.size + 1)) / 2);
const args = process.argv.slice(2).join(",");
console.log(`hello ${comm.rank}/${comm.size} args=${args} lib=${/Open MPI|MPICH/.exec(MPI.Get_library_version())?.[0]}`);
