/*
 * Collective micro benchmarks (OSU style), C over Open MPI. Run at 2 and 4 ranks:
 *   barrier; bcast 8 B / 1 KiB / 1 MiB / 4 MiB; allreduce SUM of 8 / 1024 / 1M doubles;
 *   gather 1 KiB per rank (root 0); alltoall 1 KiB per rank.
 * Time per call = average over ranks of each rank's loop time / iterations (as OSU reports).
 * mpirun -n 4 bench/out/coll [--quick] [--cases barrier,bcast,allreduce,gather,alltoall]
 */
#include "harness.h"

static int rank, nranks;

typedef struct {
  const char *name;
  unsigned char *sbuf, *rbuf;
  size_t bytes;   /* bytes per rank / per message */
  int count;
} coll_ctx;

/* Average of every rank's time: all ranks take the same decisions from it. */
static double agree_coll(void *ctx, double t) {
  (void)ctx;
  double sum;
  MPI_Allreduce(&t, &sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return sum / nranks;
}

static double run_barrier(void *vctx, long iters) {
  (void)vctx;
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (long i = 0; i < iters; i++) MPI_Barrier(MPI_COMM_WORLD);
  return MPI_Wtime() - t0;
}
static double run_bcast(void *vctx, long iters) {
  coll_ctx *c = vctx;
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (long i = 0; i < iters; i++) MPI_Bcast(c->sbuf, c->count, MPI_BYTE, 0, MPI_COMM_WORLD);
  return MPI_Wtime() - t0;
}
static double run_allreduce(void *vctx, long iters) {
  coll_ctx *c = vctx;
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (long i = 0; i < iters; i++) MPI_Allreduce(c->sbuf, c->rbuf, c->count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return MPI_Wtime() - t0;
}
static double run_gather(void *vctx, long iters) {
  coll_ctx *c = vctx;
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (long i = 0; i < iters; i++) MPI_Gather(c->sbuf, c->count, MPI_BYTE, c->rbuf, c->count, MPI_BYTE, 0, MPI_COMM_WORLD);
  return MPI_Wtime() - t0;
}
static double run_alltoall(void *vctx, long iters) {
  coll_ctx *c = vctx;
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (long i = 0; i < iters; i++) MPI_Alltoall(c->sbuf, c->count, MPI_BYTE, c->rbuf, c->count, MPI_BYTE, MPI_COMM_WORLD);
  return MPI_Wtime() - t0;
}

static void report(const char *name, size_t bytes, int count, double per, long iters) {
  if (rank != 0) return;
  printf("{\"impl\":\"c\",\"case\":\"%s\",\"size\":%zu,", name, bytes);
  if (count >= 0) printf("\"count\":%d,", count);
  printf("\"ranks\":%d,\"usec\":%.4f,\"iters\":%ld}\n", nranks, per * 1e6, iters);
  fflush(stdout);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  harness_args(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  long iters;
  double per;

  if (want("barrier")) {
    per = measure(run_barrier, agree_coll, NULL, &iters);
    report("barrier", 0, -1, per, iters);
  }
  if (want("bcast")) {
    static const size_t sizes[] = {8, 1024, 1048576, 4194304};
    for (size_t s = 0; s < 4; s++) {
      coll_ctx c = {"bcast", xmalloc(sizes[s]), NULL, sizes[s], (int)sizes[s]};
      per = measure(run_bcast, agree_coll, &c, &iters);
      report("bcast", sizes[s], -1, per, iters);
      free(c.sbuf);
    }
  }
  if (want("allreduce")) {
    static const int counts[] = {8, 1024, 1048576};
    for (size_t s = 0; s < 3; s++) {
      size_t bytes = (size_t)counts[s] * sizeof(double);
      coll_ctx c = {"allreduce", xmalloc(bytes), xmalloc(bytes), bytes, counts[s]};
      for (int i = 0; i < counts[s]; i++) ((double *)c.sbuf)[i] = rank + i * 0.5;
      per = measure(run_allreduce, agree_coll, &c, &iters);
      report("allreduce", bytes, counts[s], per, iters);
      free(c.sbuf); free(c.rbuf);
    }
  }
  if (want("gather")) {
    coll_ctx c = {"gather", xmalloc(1024), xmalloc(1024 * (size_t)nranks), 1024, 1024};
    per = measure(run_gather, agree_coll, &c, &iters);
    report("gather", 1024, -1, per, iters);
    free(c.sbuf); free(c.rbuf);
  }
  if (want("alltoall")) {
    coll_ctx c = {"alltoall", xmalloc(1024 * (size_t)nranks), xmalloc(1024 * (size_t)nranks), 1024, 1024};
    per = measure(run_alltoall, agree_coll, &c, &iters);
    report("alltoall", 1024, -1, per, iters);
    free(c.sbuf); free(c.rbuf);
  }
  MPI_Finalize();
  return 0;
}
