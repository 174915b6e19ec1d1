/*
 * C rank 0 of the persistent-collective interop job (test/native/interop-persistent.test.ts), matched by mpi4ts
 * ranks calling Allreduce_init, Bcast_init, Iscan and Ireduce_scatter_block: with MPI's persistent collectives,
 * MPI-4's (MPICH) or Open MPI 4.1's extension MPIX_X_init (which mpi4ts uses there too). Prints "persistent c ok"
 * when every value is right.
 */
#include <mpi.h>
#ifdef OPEN_MPI
#include <mpi-ext.h>
#endif
#if MPI_VERSION < 4 && defined(OMPI_HAVE_MPI_EXT_PCOLLREQ) && OMPI_HAVE_MPI_EXT_PCOLLREQ
#define MPI_Allreduce_init MPIX_Allreduce_init
#define MPI_Bcast_init MPIX_Bcast_init
#elif MPI_VERSION < 4
#error "no persistent collectives in this MPI"
#endif
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
  MPI_Allreduce_init(mine, sum, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[0]);
  MPI_Bcast_init(b, 2, MPI_INT, 0, MPI_COMM_WORLD, MPI_INFO_NULL, &reqs[1]);
  for (int k = 0; k < 3; k++) {
    mine[0] = rank + 1 + k;
    mine[1] = 10.0 * rank;
    b[0] = 7 * k;
    b[1] = 7 * k + 1;
    MPI_Startall(2, reqs);
    MPI_Waitall(2, reqs, MPI_STATUSES_IGNORE);
    double want = size * (size + 1) / 2.0 + size * k;
    CHECK(sum[0] == want && sum[1] == 10.0 * size * (size - 1) / 2, "round %d: allreduce %g %g\n", k, sum[0], sum[1]);
  }
  MPI_Request_free(&reqs[0]);
  MPI_Request_free(&reqs[1]);

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
