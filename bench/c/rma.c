/* One-sided micro benchmarks in C (the same cases as bench/ts/rma.ts), 2 ranks.
 * Build: mpicc -O2 -o rma bench/c/rma.c -lm ; run: mpirun -n 2 ./rma [--quick] [--cases ...] */
#include <mpi.h>
#include "harness.h"

#define MAXBYTES (1 << 20)
static MPI_Win win;
static int rank;
enum { PUT_LOCK, GET_LOCK, ACC_LOCK, PUT_FENCE };
struct ctx { int kind; int nbytes; void *buf; };

static double agree_fn_impl(void *c, double t) { (void)c; MPI_Bcast(&t, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD); return t; }

static double run_fn_impl(void *cv, long iters) {
  struct ctx *c = cv;
  double t0 = MPI_Wtime();
  for (long i = 0; i < iters; i++) {
    if (c->kind == PUT_FENCE) {
      if (rank == 0) MPI_Put(c->buf, c->nbytes, MPI_BYTE, 1, 0, c->nbytes, MPI_BYTE, win);
      MPI_Win_fence(0, win);
    } else if (rank == 0) {
      MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 1, 0, win);
      if (c->kind == PUT_LOCK) MPI_Put(c->buf, c->nbytes, MPI_BYTE, 1, 0, c->nbytes, MPI_BYTE, win);
      else if (c->kind == GET_LOCK) MPI_Get(c->buf, c->nbytes, MPI_BYTE, 1, 0, c->nbytes, MPI_BYTE, win);
      else MPI_Accumulate(c->buf, c->nbytes / 8, MPI_DOUBLE, 1, 0, c->nbytes / 8, MPI_DOUBLE, MPI_SUM, win);
      MPI_Win_unlock(1, win);
    }
  }
  return MPI_Wtime() - t0;
}

static void one(int kind, const char *name, int nbytes) {
  struct ctx c = { kind, nbytes, xmalloc((size_t)nbytes) };
  memset(c.buf, 0, (size_t)nbytes);
  if (kind == PUT_FENCE) MPI_Win_fence(0, win);
  measurement m = measure(run_fn_impl, agree_fn_impl, &c);
  if (kind == PUT_FENCE) MPI_Win_fence(MPI_MODE_NOSUCCEED, win);
  if (rank == 0) {
    printf("{\"impl\":\"c\",\"case\":\"%s\",\"size\":%d,\"ranks\":2,", name, nbytes);
    print_timing(&m, 1);
    printf("}\n");
    fflush(stdout);
  }
  free(c.buf);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  harness_args(argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  void *base;
  MPI_Win_allocate(MAXBYTES, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &base, &win);
  static const int sizes[] = {8, 64, 512, 4096, 32768, 262144, 1 << 20};
  for (int i = 0; i < 7; i++) if (want("put-lock")) one(PUT_LOCK, "put-lock", sizes[i]);
  for (int i = 0; i < 7; i++) if (want("get-lock")) one(GET_LOCK, "get-lock", sizes[i]);
  for (int i = 0; i < 7; i++) if (want("put-fence")) one(PUT_FENCE, "put-fence", sizes[i]);
  if (want("acc-lock")) one(ACC_LOCK, "acc-lock", 64);
  MPI_Win_free(&win);
  MPI_Finalize();
  return 0;
}
