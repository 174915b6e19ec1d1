/*
 * Collective micro benchmarks (OSU style), C over Open MPI. Run at 2 and 4 ranks:
 *   barrier; bcast 8 B / 1 KiB / 1 MiB / 4 MiB; allreduce SUM of 8 / 1024 / 1M doubles;
 *   persistent: Allreduce SUM of 8 doubles begun by MPI_Start on a request made once (MPI_Allreduce_init, MPI-4;
 *   Open MPI 4.1 is MPI-3.1 and has it as MPIX_Allreduce_init in its pcollreq extension) vs MPI_Iallreduce + MPI_Wait;
 *   gather 1 KiB per rank (root 0); alltoall 1 KiB per rank.
 * Time per call = average over ranks of each rank's loop time / iterations (as OSU reports).
 * mpirun -n 4 bench/out/coll [--quick] [--cases barrier,bcast,allreduce,persistent,gather,alltoall]
 */
#include "harness.h"
#if MPI_VERSION >= 4
#define ALLREDUCE_INIT MPI_Allreduce_init
#define ALLREDUCE_INIT_NAME "MPI_Allreduce_init"
#elif defined(OPEN_MPI)
#include <mpi-ext.h>
#ifdef OMPI_HAVE_MPI_EXT_PCOLLREQ
#define ALLREDUCE_INIT MPIX_Allreduce_init
#define ALLREDUCE_INIT_NAME "MPIX_Allreduce_init"
#endif
#endif

static int rank, nranks;

typedef struct {
  const char *name;
  unsigned char *sbuf, *rbuf;
  size_t bytes;   /* bytes per rank / per message */
  int count;
  MPI_Request request; /* made once, for the persistent case; MPI_REQUEST_NULL otherwise */
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
static double run_allreduce_request(void *vctx, long iters) {
  coll_ctx *c = vctx;
  int persistent = c->request != MPI_REQUEST_NULL;
  MPI_Request request = c->request;
  MPI_Barrier(MPI_COMM_WORLD);
  double t0 = MPI_Wtime();
  for (long i = 0; i < iters; i++) {
    if (persistent) MPI_Start(&request);
    else MPI_Iallreduce(c->sbuf, c->rbuf, c->count, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &request);
    MPI_Wait(&request, MPI_STATUS_IGNORE);
  }
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

/* `value` (with `api`, the call timed) tells apart the rows of one case; NULL for cases of one row per size. */
/* A row must time a correct reduction: element i of the sum of (rank + i/2) over the ranks. */
static void check_sums(const char *call, const double *sums, int count) {
  for (int i = 0; i < count; i++) {
    if (sums[i] != nranks * (nranks - 1) / 2.0 + nranks * i * 0.5) {
      fprintf(stderr, "%s: rank %d's sum %d is %g\n", call, rank, i, sums[i]);
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }
}

static void report_value(const char *name, const char *value, const char *api, size_t bytes, int count, const measurement *m) {
  if (rank != 0) return;
  printf("{\"impl\":\"c\",\"case\":\"%s\",\"size\":%zu,", name, bytes);
  if (value) printf("\"value\":\"%s\",\"api\":\"%s\",", value, api);
  if (count >= 0) printf("\"count\":%d,", count);
  printf("\"ranks\":%d,", nranks);
  print_timing(m, 1);
  printf("}\n");
  fflush(stdout);
}
static void report(const char *name, size_t bytes, int count, const measurement *m) {
  report_value(name, NULL, NULL, bytes, count, m);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  harness_args(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &nranks);
  measurement m;

  if (want("barrier")) {
    m = measure(run_barrier, agree_coll, NULL);
    report("barrier", 0, -1, &m);
  }
  if (want("bcast")) {
    static const size_t sizes[] = {8, 1024, 1048576, 4194304};
    for (size_t s = 0; s < 4; s++) {
      coll_ctx c = {"bcast", xmalloc(sizes[s]), NULL, sizes[s], (int)sizes[s]};
      m = measure(run_bcast, agree_coll, &c);
      report("bcast", sizes[s], -1, &m);
      free(c.sbuf);
    }
  }
  if (want("allreduce")) {
    static const int counts[] = {8, 1024, 1048576};
    for (size_t s = 0; s < 3; s++) {
      size_t bytes = (size_t)counts[s] * sizeof(double);
      coll_ctx c = {"allreduce", xmalloc(bytes), xmalloc(bytes), bytes, counts[s]};
      for (int i = 0; i < counts[s]; i++) ((double *)c.sbuf)[i] = rank + i * 0.5;
      m = measure(run_allreduce, agree_coll, &c);
      report("allreduce", bytes, counts[s], &m);
      free(c.sbuf); free(c.rbuf);
    }
  }
  if (want("persistent")) {
    coll_ctx c = {"persistent", xmalloc(64), xmalloc(64), 64, 8, MPI_REQUEST_NULL};
    for (int i = 0; i < 8; i++) ((double *)c.sbuf)[i] = rank + i * 0.5;
#ifdef ALLREDUCE_INIT
    ALLREDUCE_INIT(c.sbuf, c.rbuf, 8, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, MPI_INFO_NULL, &c.request);
    m = measure(run_allreduce_request, agree_coll, &c);
    report_value("persistent", "persistent", ALLREDUCE_INIT_NAME, 64, 8, &m);
    MPI_Request_free(&c.request);
    check_sums(ALLREDUCE_INIT_NAME, (double *)c.rbuf, 8);
    memset(c.rbuf, 0, 64);
#endif
    m = measure(run_allreduce_request, agree_coll, &c);
    report_value("persistent", "nonblocking", "MPI_Iallreduce", 64, 8, &m);
    check_sums("MPI_Iallreduce", (double *)c.rbuf, 8);
    free(c.sbuf); free(c.rbuf);
  }
  if (want("gather")) {
    coll_ctx c = {"gather", xmalloc(1024), xmalloc(1024 * (size_t)nranks), 1024, 1024};
    m = measure(run_gather, agree_coll, &c);
    report("gather", 1024, -1, &m);
    free(c.sbuf); free(c.rbuf);
  }
  if (want("alltoall")) {
    coll_ctx c = {"alltoall", xmalloc(1024 * (size_t)nranks), xmalloc(1024 * (size_t)nranks), 1024, 1024};
    m = measure(run_alltoall, agree_coll, &c);
    report("alltoall", 1024, -1, &m);
    free(c.sbuf); free(c.rbuf);
  }
  MPI_Finalize();
  return 0;
}
