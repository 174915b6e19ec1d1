/*
 * Shared timing harness for the C micro benchmarks (mirrored in bench/py/harness.py and bench/ts/harness.ts,
 * so the three implementations measure exactly the same way).
 *
 * measure(): calibrate an iteration count so one batch lasts ~BATCH_TARGET seconds, warm up, then time BATCHES
 * batches and return the median seconds per iteration. Every rank runs the same iteration counts because every
 * decision is taken from a time all participating ranks agree on (the `agree` callback: rank 0's time sent to
 * rank 1 for point-to-point, the average over ranks for collectives, as OSU does).
 */
#ifndef BENCH_HARNESS_H
#define BENCH_HARNESS_H
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

static int    h_batches = 9;
static double h_batch_target = 0.04; /* seconds per timed batch */
static double h_cal_min = 0.01;      /* a calibration run must last at least this long */
static const char *h_cases = NULL;   /* comma-separated case filter, NULL = all */

static void harness_args(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) { h_batches = 3; h_batch_target = 0.01; h_cal_min = 0.002; }
    else if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) h_cases = argv[++i];
  }
}

/* True if case `name` is selected by --cases (exact match of one comma-separated item). */
static int want(const char *name) {
  if (!h_cases || !*h_cases) return 1;
  size_t n = strlen(name);
  const char *p = h_cases;
  while (*p) {
    const char *e = strchr(p, ',');
    size_t len = e ? (size_t)(e - p) : strlen(p);
    if (len == n && strncmp(p, name, n) == 0) return 1;
    if (!e) break;
    p = e + 1;
  }
  return 0;
}

typedef double (*run_fn)(void *ctx, long iters);   /* runs iters iterations, returns this rank's elapsed seconds */
typedef double (*agree_fn)(void *ctx, double t);   /* returns the time every participating rank agrees on */

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Median seconds per iteration; *iters_out gets the per-batch iteration count. */
static double measure(run_fn run, agree_fn agree, void *ctx, long *iters_out) {
  long k = 1;
  double t = agree(ctx, run(ctx, 1)); /* first touch, connection set-up */
  for (;;) {
    t = agree(ctx, run(ctx, k));
    if (t >= h_cal_min || k >= (1L << 26)) break;
    double grow = t > 0 ? h_cal_min * 1.5 / t : 16.0;
    if (grow > 16.0) grow = 16.0;
    if (grow < 2.0) grow = 2.0;
    k = (long)ceil(k * grow);
  }
  double t2 = agree(ctx, run(ctx, k)); /* a second look: one preemption must not shrink every batch */
  if (t2 < t) t = t2;
  double per = t / (double)k;
  long iters = per > 0 ? (long)ceil(h_batch_target / per) : k;
  if (iters < 1) iters = 1;
  long warm = iters / 5 > 0 ? iters / 5 : 1;
  agree(ctx, run(ctx, warm));
  double samples[16];
  for (int b = 0; b < h_batches; b++) samples[b] = agree(ctx, run(ctx, iters)) / (double)iters;
  qsort(samples, (size_t)h_batches, sizeof(double), cmp_double);
  if (iters_out) *iters_out = iters;
  return samples[h_batches / 2];
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) { fprintf(stderr, "out of memory (%zu bytes)\n", n); MPI_Abort(MPI_COMM_WORLD, 2); }
  memset(p, 1, n ? n : 1);
  return p;
}
#endif
