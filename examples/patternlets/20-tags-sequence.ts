/**
 * Patternlet 20: tags as sequence numbers.
 *
 * What it teaches: every message carries a tag, and a receive can ask for a
 * specific tag. Here each worker sends the words of a sentence with tag = the
 * word's position, deliberately in reverse order. The conductor receives tag
 * 1, then tag 2, ... so it rebuilds the sentence in order no matter how the
 * messages were sent. (Messages with the *same* source, tag and communicator
 * never overtake each other; tags let you pick among different ones.)
 *
 * The worker uses `isend` and waits for all its sends at the end, so it does
 * not depend on the sends being buffered: the conductor receives them in a
 * different order than they were sent.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/20-tags-sequence.ts
 *
 * Try:
 *   - Receive with MPI.ANY_TAG and print the tags in arrival order.
 *   - Tags must lie in 0..MPI.TAG_UB: send with tag -5 and read the error.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();
const size = comm.Get_size();

function sentenceOf(worker: number): string[] {
  return `worker ${worker} says these words in order`.split(" ");
}

if (rank !== 0) {
  const words = sentenceOf(rank);
  const requests: MPI.Request<void>[] = [];
  for (let i = words.length - 1; i >= 0; i--) {
    requests.push(comm.isend(words[i], 0, /* tag = sequence number */ i + 1));
  }
  MPI.Request.waitall(requests);
} else {
  const status = new MPI.Status();
  for (let worker = 1; worker < size; worker++) {
    const expected = sentenceOf(worker);
    const words: string[] = [];
    for (let seq = 1; seq <= expected.length; seq++) {
      words.push(comm.recv<string>(worker, seq, status));
      if (status.Get_tag() !== seq) throw new Error(`asked for tag ${seq}, got ${status.Get_tag()}`);
    }
    console.log(`From ${worker}: "${words.join(" ")}"`);

    // Self-check: the tags put the words back in order.
    if (words.join(" ") !== expected.join(" ")) {
      throw new Error(`worker ${worker}'s words arrived as "${words.join(" ")}"`);
    }
  }
  if (size === 1) console.log("No workers: run with -n 2 or more to see tagged messages");
}
