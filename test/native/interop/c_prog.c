/* C rank of the MPMD interoperability job (test/native/interop.test.ts): world rank 0.
 * Ranks: 0 = this C program, 1..n-2 = mpi4ts (TypeScript), n-1 = mpi4py. Every side checks every value. */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, ...) do { if (!(cond)) { fprintf(stderr, "c rank: check failed: " __VA_ARGS__); fprintf(stderr, "\n"); MPI_Abort(MPI_COMM_WORLD, 3); } } while (0)

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  CHECK(rank == 0, "the C program must be rank 0 (got %d)", rank);

  /* 1. Bcast of four doubles from the C rank. */
  double b[4] = {1.5, 2.5, 3.5, 4.5};
  MPI_Bcast(b, 4, MPI_DOUBLE, 0, MPI_COMM_WORLD);

  /* 2. Allreduce SUM of int32 [rank+1, 10*rank] and MAX of a double. */
  int32_t mine[2] = {rank + 1, 10 * rank}, sum[2];
  MPI_Allreduce(mine, sum, 2, MPI_INT32_T, MPI_SUM, MPI_COMM_WORLD);
  CHECK(sum[0] == size * (size + 1) / 2 && sum[1] == 10 * size * (size - 1) / 2, "allreduce sum %d %d", sum[0], sum[1]);
  double dmax, dmine = 0.25 * rank;
  MPI_Allreduce(&dmine, &dmax, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  CHECK(dmax == 0.25 * (size - 1), "allreduce max %g", dmax);

  /* 3. Ring of typed buffers: three doubles [r, 2r, 3r] to the next rank, tag 11. */
  double out[3] = {rank, 2.0 * rank, 3.0 * rank}, in[3];
  int next = (rank + 1) % size, prev = (rank + size - 1) % size;
  MPI_Status st;
  MPI_Sendrecv(out, 3, MPI_DOUBLE, next, 11, in, 3, MPI_DOUBLE, prev, 11, MPI_COMM_WORLD, &st);
  CHECK(in[0] == prev && in[1] == 2.0 * prev && in[2] == 3.0 * prev, "ring got %g %g %g from %d", in[0], in[1], in[2], prev);

  /* 4. Point-to-point with the first TypeScript rank: int64 there and back (doubled). */
  int64_t big[3] = {INT64_C(1) << 40, -7, 123456789012345LL}, back[3];
  MPI_Send(big, 3, MPI_INT64_T, 1, 5, MPI_COMM_WORLD);
  MPI_Recv(back, 3, MPI_INT64_T, 1, 6, MPI_COMM_WORLD, &st);
  for (int i = 0; i < 3; i++) CHECK(back[i] == 2 * big[i], "int64 back[%d] = %lld", i, (long long)back[i]);

  /* 4b. A column of a 4x3 row-major grid of doubles with an MPI_Type_vector, both ways with the first TS rank:
   *     column 1 of ours out (tag 15); its column 0 back into our column 2 (tag 16). Cell (i, j) = 100*rank + 10*i + j. */
  MPI_Datatype column;
  MPI_Type_vector(4, 1, 3, MPI_DOUBLE, &column);
  MPI_Type_commit(&column);
  double grid[12], got[12] = {0};
  for (int k = 0; k < 12; k++) grid[k] = 10 * (k / 3) + k % 3;
  MPI_Send(grid + 1, 1, column, 1, 15, MPI_COMM_WORLD);
  MPI_Recv(got + 2, 1, column, 1, 16, MPI_COMM_WORLD, &st);
  for (int k = 0; k < 12; k++) CHECK(got[k] == (k % 3 == 2 ? 100 + 10 * (k / 3) : 0), "column back: got[%d] = %g", k, got[k]);
  MPI_Type_free(&column);

  /* 5. Gatherv of one int32 (rank*rank) to the C rank (mpi4ts's Gather is MPI_Gatherv on the wire), then
   *    Allgather of one double (mpi4ts's Allgather with equal blocks is MPI_Allgather). */
  int32_t sq = rank * rank;
  int32_t *all = malloc(sizeof(int32_t) * size);
  int *counts = malloc(sizeof(int) * size), *displs = malloc(sizeof(int) * size);
  for (int i = 0; i < size; i++) { counts[i] = 1; displs[i] = i; }
  MPI_Gatherv(&sq, 1, MPI_INT32_T, all, counts, displs, MPI_INT32_T, 0, MPI_COMM_WORLD);
  double half = rank / 2.0, *halves = malloc(sizeof(double) * size);
  MPI_Allgather(&half, 1, MPI_DOUBLE, halves, 1, MPI_DOUBLE, MPI_COMM_WORLD);
  for (int i = 0; i < size; i++) CHECK(halves[i] == i / 2.0, "allgather halves[%d] = %g", i, halves[i]);
  free(halves); free(counts); free(displs);
  for (int i = 0; i < size; i++) CHECK(all[i] == i * i, "gather all[%d] = %d", i, all[i]);
  free(all);

  MPI_Barrier(MPI_COMM_WORLD);
  printf("interop c rank %d ok\n", rank);
  MPI_Finalize();
  return 0;
}
