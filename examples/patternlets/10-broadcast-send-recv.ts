/**
 * Patternlet 10: a broadcast written with send and recv.
 *
 * What it teaches: what `bcast` does, and why you should call it rather than
 * write it. The naive version (root sends to every rank in turn) takes size-1
 * steps. A tree does better: in each round, every rank that already has the
 * value sends it to one rank that does not, so the number of holders doubles:
 * log2(size) rounds. This file writes both and checks them against `bcast`.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/10-broadcast-send-recv.ts
 *
 * Try:
 *   - Run with -n 8 and count the rounds the tree version prints.
 *   - Time both versions with MPI.Wtime() (patternlet 18) for a large array.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

/** Root sends to every other rank, one after the other: size-1 steps. */
function linearBroadcast<T>(value: T | null): T {
  if (rank === 0) {
    for (let dest = 1; dest < size; dest++) comm.send(value, dest);
    return value as T;
  }
  return comm.recv<T>(0);
}

/** Binomial tree: in round k, ranks below 2^k send to rank + 2^k. */
function treeBroadcast<T>(value: T | null): T {
  let have = rank === 0;
  let mine = value;
  for (let step = 1, round = 0; step < size; step *= 2, round++) {
    if (have && rank + step < size) {
      comm.send(mine, rank + step);
      console.log(`tree round ${round}: process ${rank} sends to ${rank + step}`);
    } else if (!have && rank < 2 * step) {
      // I am in the second half of the ranks covered after this round.
      mine = comm.recv<T>(rank - step);
      have = true;
    }
  }
  return mine as T;
}

const original = rank === 0 ? { message: "from the root", values: [3, 1, 4, 1, 5] } : null;

const byLoop = linearBroadcast(original);
const byTree = treeBroadcast(original);
const byBcast = comm.bcast(original, 0);

console.log(`Process ${rank}: loop ${JSON.stringify(byLoop)}, tree ${JSON.stringify(byTree)}`);

// Self-check: all three ways give every rank the root's value.
const expected = JSON.stringify(byBcast);
if (JSON.stringify(byLoop) !== expected || JSON.stringify(byTree) !== expected || byBcast === null) {
  throw new Error(`rank ${rank}: hand-written broadcasts disagree with bcast`);
}
