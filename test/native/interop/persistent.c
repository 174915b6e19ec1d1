/*
 * C rank 0 of the persistent-collective interop job (test/native/interop-persistent.test.ts), matched by mpi4ts
 * ranks calling Allreduce_init, Bcast_init, Iscan and Ireduce_scatter_block: on an MPI-4 library (MPICH) with
 * MPI's persistent collectives, on MPI 3.1 (Open MPI 4.1, where mpi4ts runs each Start as the nonblocking
 * collective) with MPI_Iallreduce and MPI_Ibcast each round. Prints "persistent c ok" when every value is right.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, __VA_ARGS__); MPI_Abort(MPI_COMM_WORLD, 2); } } while (0)

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  double mine[2], sum[2];
  int b[2];
  MPI_Request reqs[2];
#if MPI_VERSION >= 4
  MPI_Allreduce_init(mine, sum, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[0]);
  MPI_Bcast_init(b, 2, MPI_INT, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[1]);
#endif
  for (int k = 0; k < 3; k++) {
    mine[0] = rank + 1 + k;
    mine[1] = 10.0 * rank;
    b[0] = 7 * k;
    b[1] = 7 * k + 1;
#if MPI_VERSION >= 4
    MPI_Startall(2, reqs);
#else
    MPI_Iallreduce(mine, sum, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &reqs[0]);
    MPI_Ibcast(b, 2, MPI_INT, 0, MPI_COMM_WORLD, &reqs[1]);
#endif
    MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
    double want = size * (size + 1) / 2.0 + size * k;
    CHECK(sum[0] == want && sum[1] == 10.0 * size * (size - 1) / 2, "round %d: allreduce %g %g\n", k, sum[0], sum[1]);
  }
#if MPI_VERSION >= 4
  MPI_Request_free(&reqs[0]);
  MPI_Request_free(&reqs[1]);
#endif

  double one = rank + 1, scanned = 0;
  MPI_Request r;
  MPI_Iscan(&one, &scanned, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &r);
  MPI_Wait(&r, MPI_STATUS_IGNORE);
  CHECK(scanned == 1, "iscan %g\n", scanned);

  int* blocks = malloc(sizeof(int) * size);
  for (int i = 0; i < size; i++) blocks[i] = rank * 100 + i;
  int got = -1;
  MPI_Ireduce_scatter_block(blocks, &got, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD, &r);
  MPI_Wait(&r, MPI_STATUS_IGNORE);
  CHECK(got == 100 * size * (size - 1) / 2, "ireduce_scatter_block %d\n", got);
  free(blocks);

  printf("persistent c ok\n");
  MPI_Finalize();
  return 0;
}
