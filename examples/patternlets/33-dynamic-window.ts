/**
 * Patternlet 33: results of unknown size, shown as they are made (a dynamic window).
 *
 * What it teaches: Win.Allocate and Win.Create fix each rank's memory when the
 * window is made, and making one is collective. A dynamic window
 * (Win.Create_dynamic) starts with no memory at all: each rank Attaches an
 * array whenever it has something to show, and Detaches it when it is done,
 * without the other ranks taking part. The price: an origin names attached
 * memory by its address on the owner (MPI.Get_address), which the owner has
 * to send it. That address is the target displacement.
 *
 * Each round, every rank finds the primes in its slice of a range. How many
 * there are is known only after the search, so the rank makes an array of
 * exactly that size, attaches it, and sends the head its address and length
 * (one gather). The head reads every rank's primes with Get under a shared
 * lock (the owners do nothing meanwhile), and after a barrier (the head has
 * read everything) each rank detaches its array, which is then ordinary
 * memory again.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/33-dynamic-window.ts
 *
 * Try:
 *   - Detach before the gather instead of after the barrier: the head's Get
 *     names memory that is no longer attached, and mpi4ts refuses it
 *     (ERR_RMA_RANGE) instead of reading whatever is there now.
 *   - Get one element more than the owner sent (length + 1): ERR_RMA_RANGE
 *     too, since the bytes past the array were never attached.
 *   - Keep every round's array attached until the end: a rank may attach many
 *     regions (they must not overlap), and each stays readable by address.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();
const HEAD = 0;

const ROUNDS = 3;
const SPAN = Number(process.argv[2] ?? 30000); // numbers searched per round

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/** The primes in [from, to), in order. */
function primesIn(from: number, to: number): number[] {
  const found: number[] = [];
  for (let n = from; n < to; n++) if (isPrime(n)) found.push(n);
  return found;
}

const win = MPI.Win.Create_dynamic(null, comm);
const headGot: number[] = [];

for (let round = 0; round < ROUNDS; round++) {
  // This rank's slice of the round's range: sizes differ by at most one.
  const start = round * SPAN;
  const from = start + Math.floor((rank * SPAN) / size), to = start + Math.floor(((rank + 1) * SPAN) / size);
  const primes = Float64Array.from(primesIn(from, to));

  win.Attach(primes); // not collective: from now on any rank may read it
  const where = comm.gather([MPI.Get_address(primes), primes.length], HEAD);

  if (rank === HEAD) {
    let total = 0;
    for (let r = 0; r < size; r++) {
      const [address, length] = where![r]!;
      if (length === 0) continue;
      const got = new Float64Array(length);
      win.Lock(r, MPI.LOCK_SHARED);
      win.Get(got, r, address); // the target displacement is the owner's address
      win.Unlock(r); // the Get is complete: got holds the owner's primes
      headGot.push(...got);
      total += length;
    }
    console.log(`Round ${round + 1}: head read ${total} primes below ${start + SPAN} from ${size} process(es)`);
  }

  comm.Barrier(); // the head has read every array of this round
  win.Detach(primes);
}

win.Free();

if (rank === HEAD) {
  const expected = primesIn(0, ROUNDS * SPAN);
  const same = expected.length === headGot.length && expected.every((p, i) => p === headGot[i]);
  if (!same) throw new Error(`the head read ${headGot.length} primes, expected ${expected.length}`);
  console.log(`Check passed: the head read all ${expected.length} primes below ${ROUNDS * SPAN}, in order`);
}
