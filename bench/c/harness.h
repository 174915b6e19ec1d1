/*
 * Shared timing harness for the C micro benchmarks (mirrored in bench/py/harness.py and bench/ts/harness.ts,
 * so the three implementations measure exactly the same way).
 *
 * measure(): calibrate an iteration count so one batch lasts ~BATCH_TARGET seconds, warm up, time BATCHES batches,
 * then time iterations one by one (run(ctx, 1), about two batches' worth); it returns the median and the mean
 * seconds per iteration over the batches and the p50 and p99 of the iterations timed alone. Every rank runs the
 * same iteration counts because every decision is taken from a time all participating ranks agree on (the `agree`
 * callback: rank 0's time sent to rank 1 for point-to-point, the average over ranks for collectives, as OSU does).
 * print_timing() writes a measurement's fields of a result line.
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
static long   h_samples_min = 20, h_samples_max = 100000; /* iterations timed alone */

static void harness_args(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--quick") == 0) { h_batches = 3; h_batch_target = 0.01; h_cal_min = 0.002; h_samples_min = 10; h_samples_max = 5000; }
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

typedef struct {
  double per;           /* median over the batches of seconds per iteration */
  double mean;          /* mean seconds per iteration over all the batches */
  double p50, p99;      /* seconds of iterations timed alone (one run(ctx, 1) each: a call, two clock reads) */
  long iters, samples;  /* iterations per batch, iterations timed alone */
} measurement;

static measurement measure(run_fn run, agree_fn agree, void *ctx) {
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
  measurement m = { .iters = iters };
  for (int b = 0; b < h_batches; b++) m.mean += samples[b] / h_batches;
  qsort(samples, (size_t)h_batches, sizeof(double), cmp_double);
  m.per = samples[h_batches / 2];
  double want_samples = ceil(2 * h_batch_target / m.per);
  m.samples = want_samples > h_samples_max ? h_samples_max : want_samples < h_samples_min ? h_samples_min : (long)want_samples;
  double *alone = malloc((size_t)m.samples * sizeof(double));
  if (!alone) { fprintf(stderr, "out of memory\n"); MPI_Abort(MPI_COMM_WORLD, 2); }
  for (long i = 0; i < m.samples; i++) alone[i] = run(ctx, 1);
  qsort(alone, (size_t)m.samples, sizeof(double), cmp_double);
  m.p50 = agree(ctx, alone[m.samples / 2]);
  m.p99 = agree(ctx, alone[(long)ceil(0.99 * (double)m.samples) - 1]);
  free(alone);
  return m;
}

/* The timing fields of a result line (no braces or trailing comma), in µs per `divisor` (2 for a round trip's one-way time). */
static void print_timing(const measurement *m, double divisor) {
  double us = 1e6 / divisor;
  printf("\"usec\":%.4f,\"mean\":%.4f,\"p50\":%.4f,\"p99\":%.4f,\"iters\":%ld,\"samples\":%ld",
         m->per * us, m->mean * us, m->p50 * us, m->p99 * us, m->iters, m->samples);
}

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) { fprintf(stderr, "out of memory (%zu bytes)\n", n); MPI_Abort(MPI_COMM_WORLD, 2); }
  memset(p, 1, n ? n : 1);
  return p;
}
#endif
