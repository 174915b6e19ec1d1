/**
 * Patternlet 09: broadcast of command-line input.
 *
 * What it teaches: input is read by one rank and broadcast to the others.
 * Reading a file or the keyboard on every rank would be wasteful (and on a
 * cluster, the other hosts may not even have the file). Here rank 0 parses the
 * command line, checks it, and broadcasts the result; the other ranks never
 * look at process.argv.
 *
 * Run:
 *   npx mpi4ts run -n 4 examples/patternlets/09-broadcast-user-input.ts 42 hello
 *
 * Try:
 *   - Leave out the arguments: the conductor falls back to defaults.
 *   - Pass a non-number as the first argument: the conductor rejects it.
 */
import { MPI } from "mpi4ts";

const comm = MPI.COMM_WORLD;
const rank = comm.Get_rank();

interface Input {
  count: number;
  word: string;
}

let input: Input | null = null;
if (rank === 0) {
  const count = Number(process.argv[2] ?? 10);
  const word = process.argv[3] ?? "default";
  if (!Number.isFinite(count)) {
    throw new Error(`the first argument must be a number, not "${process.argv[2]}"`);
  }
  input = { count, word };
  console.log(`Conductor read count=${count}, word="${word}" from the command line`);
}

const shared = comm.bcast(input, 0);
// On the workers, `input` was null; after bcast every rank holds the conductor's.
if (shared === null) throw new Error(`rank ${rank}: bcast delivered nothing`);
console.log(`Process ${rank} has count=${shared.count}, word="${shared.word}"`);

// Self-check: every rank agrees with the conductor. Gather what everyone has
// and compare at the root (the root is the only rank that read the input).
const everyone = comm.gather(shared, 0);
if (rank === 0 && everyone !== null) {
  const mismatch = everyone.findIndex((x) => x.count !== shared.count || x.word !== shared.word);
  if (mismatch >= 0) throw new Error(`rank ${mismatch} disagrees with the conductor's input`);
  console.log(`All ${everyone.length} processes have the conductor's input`);
}
