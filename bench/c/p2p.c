/*
 * Point-to-point micro benchmarks (OSU style), C over Open MPI: the baseline mpi4ts is compared against.
 *   pingpong-buffer: one-way latency (round trip / 2) for 0 B .. 16 MiB, MPI_Send/MPI_Recv of MPI_BYTE.
 *   bandwidth:       64 MPI_Isend of 4 MiB in flight, MPI_Waitall, receiver pre-posts 64 MPI_Irecv, 4-byte ack.
 *   requests:        both ranks exchange 8 B / 64 KiB per iteration, with plain requests (MPI_Irecv + MPI_Isend +
 *                    MPI_Waitall) or persistent ones made once (MPI_Recv_init + MPI_Send_init, MPI_Startall + MPI_Waitall).
 *   halo:            both ranks of a 1000x1000 row-major grid of doubles exchange one column per iteration
 *                    (MPI_Sendrecv), with an MPI_Type_vector column or packed by hand into a contiguous buffer.
 * Run with 2 ranks: mpirun -n 2 bench/out/p2p [--quick] [--cases pingpong-buffer,bandwidth,requests,halo]
 * Prints one JSON object per case on rank 0's stdout.
 */
#include "harness.h"

#define TAG_DATA 1
#define TAG_CTRL 99
#define WINDOW 64

static int rank;

typedef struct { unsigned char *buf; size_t size; } pp_ctx;

/* Rank 0's time becomes everyone's (sent to rank 1 only, the only other participant). */
static double agree_p2p(void *ctx, double t) {
  (void)ctx;
  if (rank == 0) MPI_Send(&t, 1, MPI_DOUBLE, 1, TAG_CTRL, MPI_COMM_WORLD);
  else MPI_Recv(&t, 1, MPI_DOUBLE, 0, TAG_CTRL, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return t;
}

static double run_pingpong(void *vctx, long iters) {
  pp_ctx *c = vctx;
  int n = (int)c->size;
  double t0 = MPI_Wtime();
  if (rank == 0) {
    for (long i = 0; i < iters; i++) {
      MPI_Send(c->buf, n, MPI_BYTE, 1, TAG_DATA, MPI_COMM_WORLD);
      MPI_Recv(c->buf, n, MPI_BYTE, 1, TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
  } else {
    for (long i = 0; i < iters; i++) {
      MPI_Recv(c->buf, n, MPI_BYTE, 0, TAG_DATA, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      MPI_Send(c->buf, n, MPI_BYTE, 0, TAG_DATA, MPI_COMM_WORLD);
    }
  }
  return MPI_Wtime() - t0;
}

typedef struct { unsigned char *buf; size_t size; MPI_Request reqs[WINDOW]; } bw_ctx;

static double run_bandwidth(void *vctx, long iters) {
  bw_ctx *c = vctx;
  int n = (int)c->size, ack = 0;
  double t0 = MPI_Wtime();
  for (long i = 0; i < iters; i++) {
    if (rank == 0) {
      for (int w = 0; w < WINDOW; w++) MPI_Isend(c->buf, n, MPI_BYTE, 1, TAG_DATA, MPI_COMM_WORLD, &c->reqs[w]);
      MPI_Waitall(WINDOW, c->reqs, MPI_STATUSES_IGNORE);
      MPI_Recv(&ack, 1, MPI_INT, 1, TAG_DATA + 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      for (int w = 0; w < WINDOW; w++) MPI_Irecv(c->buf, n, MPI_BYTE, 0, TAG_DATA, MPI_COMM_WORLD, &c->reqs[w]);
      MPI_Waitall(WINDOW, c->reqs, MPI_STATUSES_IGNORE);
      MPI_Send(&ack, 1, MPI_INT, 0, TAG_DATA + 1, MPI_COMM_WORLD);
    }
  }
  return MPI_Wtime() - t0;
}

typedef struct { unsigned char *out, *in; int size, persistent; MPI_Request reqs[2]; } rq_ctx;

static double run_requests(void *vctx, long iters) {
  rq_ctx *c = vctx;
  int peer = 1 - rank;
  double t0 = MPI_Wtime();
  for (long i = 0; i < iters; i++) {
    if (c->persistent) {
      MPI_Startall(2, c->reqs);
    } else {
      MPI_Irecv(c->in, c->size, MPI_BYTE, peer, TAG_DATA, MPI_COMM_WORLD, &c->reqs[0]);
      MPI_Isend(c->out, c->size, MPI_BYTE, peer, TAG_DATA, MPI_COMM_WORLD, &c->reqs[1]);
    }
    MPI_Waitall(2, c->reqs, MPI_STATUSES_IGNORE);
  }
  return MPI_Wtime() - t0;
}

#define HALO_N 1000

/* Rank 0 owns the left part of the domain: it sends its last inner column and receives its right ghost column;
 * rank 1 sends its first inner column and receives its left ghost column. */
typedef struct { double *grid, *out, *in; MPI_Datatype column; int vector; } halo_ctx;

static double run_halo(void *vctx, long iters) {
  halo_ctx *c = vctx;
  int peer = 1 - rank;
  int send_col = rank == 0 ? HALO_N - 2 : 1;
  int recv_col = rank == 0 ? HALO_N - 1 : 0;
  double t0 = MPI_Wtime();
  for (long i = 0; i < iters; i++) {
    if (c->vector) {
      MPI_Sendrecv(c->grid + send_col, 1, c->column, peer, TAG_DATA, c->grid + recv_col, 1, c->column, peer, TAG_DATA,
                   MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
      for (int r = 0; r < HALO_N; r++) c->out[r] = c->grid[(size_t)r * HALO_N + send_col];
      MPI_Sendrecv(c->out, HALO_N, MPI_DOUBLE, peer, TAG_DATA, c->in, HALO_N, MPI_DOUBLE, peer, TAG_DATA,
                   MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      for (int r = 0; r < HALO_N; r++) c->grid[(size_t)r * HALO_N + recv_col] = c->in[r];
    }
  }
  return MPI_Wtime() - t0;
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  harness_args(argc, argv);
  int size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size < 2) { if (rank == 0) fprintf(stderr, "p2p needs 2 ranks\n"); MPI_Abort(MPI_COMM_WORLD, 1); }

  if (rank < 2) {
    if (want("pingpong-buffer")) {
      static const size_t sizes[] = {0, 8, 1024, 65536, 1048576, 16777216};
      for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        pp_ctx c = {xmalloc(sizes[s]), sizes[s]};
        measurement m = measure(run_pingpong, agree_p2p, &c);
        if (rank == 0) {
          printf("{\"impl\":\"c\",\"case\":\"pingpong-buffer\",\"size\":%zu,\"ranks\":%d,", sizes[s], size);
          print_timing(&m, 2);
          printf("}\n");
          fflush(stdout);
        }
        free(c.buf);
      }
    }
    if (want("bandwidth")) {
      bw_ctx c;
      c.size = 4u << 20;
      c.buf = xmalloc(c.size);
      measurement m = measure(run_bandwidth, agree_p2p, &c);
      if (rank == 0) {
        printf("{\"impl\":\"c\",\"case\":\"bandwidth\",\"size\":%zu,\"ranks\":%d,\"window\":%d,\"gbps\":%.4f,",
               c.size, size, WINDOW, (double)c.size * WINDOW / m.per / 1e9);
        print_timing(&m, WINDOW);
        printf("}\n");
        fflush(stdout);
      }
      free(c.buf);
    }
    if (want("requests")) {
      static const int sizes[] = {8, 65536};
      for (int s = 0; s < 2; s++) {
        for (int persistent = 0; persistent < 2; persistent++) {
          rq_ctx c = {xmalloc(sizes[s]), xmalloc(sizes[s]), sizes[s], persistent, {MPI_REQUEST_NULL, MPI_REQUEST_NULL}};
          if (persistent) {
            MPI_Recv_init(c.in, c.size, MPI_BYTE, 1 - rank, TAG_DATA, MPI_COMM_WORLD, &c.reqs[0]);
            MPI_Send_init(c.out, c.size, MPI_BYTE, 1 - rank, TAG_DATA, MPI_COMM_WORLD, &c.reqs[1]);
          }
          measurement m = measure(run_requests, agree_p2p, &c);
          if (persistent) { MPI_Request_free(&c.reqs[0]); MPI_Request_free(&c.reqs[1]); }
          if (rank == 0) {
            printf("{\"impl\":\"c\",\"case\":\"requests\",\"value\":\"%s %d B\",\"size\":%d,\"ranks\":%d,",
                   persistent ? "persistent" : "plain", c.size, c.size, size);
            print_timing(&m, 1);
            printf("}\n");
            fflush(stdout);
          }
          free(c.out);
          free(c.in);
        }
      }
    }
    if (want("halo")) {
      for (int vector = 1; vector >= 0; vector--) {
        halo_ctx c = {xmalloc(sizeof(double) * HALO_N * HALO_N), xmalloc(sizeof(double) * HALO_N),
                      xmalloc(sizeof(double) * HALO_N), MPI_DATATYPE_NULL, vector};
        for (size_t k = 0; k < (size_t)HALO_N * HALO_N; k++) c.grid[k] = (double)k;
        MPI_Type_vector(HALO_N, 1, HALO_N, MPI_DOUBLE, &c.column);
        MPI_Type_commit(&c.column);
        measurement m = measure(run_halo, agree_p2p, &c);
        MPI_Type_free(&c.column);
        /* A row must time a correct exchange: the ghost column holds the peer's sent column (grid[k] = k on both). */
        int recv_col = rank == 0 ? HALO_N - 1 : 0, peer_col = rank == 0 ? 1 : HALO_N - 2;
        for (int r = 0; r < HALO_N; r++) {
          if (c.grid[(size_t)r * HALO_N + recv_col] != (double)((size_t)r * HALO_N + peer_col)) {
            fprintf(stderr, "halo %s: rank %d's ghost row %d is wrong\n", vector ? "vector" : "packed", rank, r);
            MPI_Abort(MPI_COMM_WORLD, 1);
          }
        }
        if (rank == 0) {
          printf("{\"impl\":\"c\",\"case\":\"halo\",\"value\":\"%s\",\"size\":%d,\"rows\":%d,\"cols\":%d,\"ranks\":%d,",
                 vector ? "vector" : "packed", HALO_N * 8, HALO_N, HALO_N, size);
          print_timing(&m, 1);
          printf("}\n");
          fflush(stdout);
        }
        free(c.grid); free(c.out); free(c.in);
      }
    }
  }
  MPI_Finalize();
  return 0;
}
