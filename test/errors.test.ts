/** MPIError's codes compare as in mpi4py: `e.Get_error_class() === MPI.ERR_RANK`, and the name in `errorClass`. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { MPI } from "../src/index.js";

test("Get_error_class() equals the MPI.ERR_* constants; errorClass is the name", () => {
  const classes = ["ERR_RANK", "ERR_TAG", "ERR_ROOT", "ERR_COUNT", "ERR_TRUNCATE", "ERR_TYPE", "ERR_OP", "ERR_COMM",
    "ERR_ARG", "ERR_BUFFER", "ERR_PENDING", "ERR_OTHER", "ERR_DEADLOCK", "ERR_ABORTED", "ERR_GROUP", "ERR_TOPOLOGY",
    "ERR_DIMS", "ERR_INTERN", "ERR_REQUEST", "ERR_KEYVAL", "ERR_INFO_KEY", "ERR_INFO_VALUE", "ERR_INFO_NOKEY"] as const;
  const codes = new Set<number>();
  for (const name of classes) {
    const e = new MPI.MPIError(name, "x");
    assert.equal(e.Get_error_class(), MPI[name], name);
    assert.equal(typeof MPI[name], "number");
    codes.add(MPI[name]);
  }
  assert.equal(codes.size, classes.length, "every class has its own code");
  try {
    MPI.COMM_WORLD.send(1, 99);
    assert.fail("send to rank 99 of a world of one must fail");
  } catch (e) {
    assert.ok(e instanceof MPI.MPIError);
    assert.equal(e.Get_error_class(), MPI.ERR_RANK);
    assert.equal(e.errorClass, "ERR_RANK");
  }
});
