/**
 * Clock offsets against rank 0, measured once at start-up on engines whose ranks may run on different hosts.
 * Rank 0 exchanges a few timestamps with each rank in turn over the world's internal channel (never visible to
 * the program's receives); the exchange with the shortest round trip gives the offset as in NTP: the rank's
 * clock minus the midpoint of rank 0's send and receive. Rank 0 then tells each rank its offset and the job's id.
 */
import { performance } from "node:perf_hooks";
import { BUFFER, STANDARD, type PointToPoint } from "../engine/engine.js";

const TAG_CLOCK = 12_345;
const ROUNDS = 25;

export interface ClockSync { offsetUs: number; jobId: string }

function wallUs(): number {
  return (performance.timeOrigin + performance.now()) * 1000;
}

export function synchronizeClocks(channel: PointToPoint): ClockSync {
  const word = new Float64Array(2);
  const bytes = new Uint8Array(word.buffer);
  const sink = Object.assign(() => bytes, { into: bytes });
  const send = (to: number) => channel.send(bytes, BUFFER, to, TAG_CLOCK, STANDARD);
  const receive = (from: number) => { channel.recv(sink, from, TAG_CLOCK); return word[0]!; };
  if (channel.rank === 0) {
    const jobNumber = Math.floor(Math.random() * 2 ** 40);
    for (let r = 1; r < channel.size; r++) {
      let best = Infinity, offset = 0;
      for (let i = 0; i < ROUNDS; i++) {
        const t0 = wallUs();
        word[0] = t0;
        send(r);
        const remote = receive(r);
        const t1 = wallUs();
        if (t1 - t0 < best) { best = t1 - t0; offset = remote - (t0 + t1) / 2; }
      }
      word[0] = offset;
      word[1] = jobNumber;
      send(r);
    }
    return { offsetUs: 0, jobId: jobNumber.toString(36) };
  }
  for (let i = 0; i < ROUNDS; i++) {
    receive(0);
    word[0] = wallUs();
    send(0);
  }
  const offsetUs = receive(0);
  return { offsetUs, jobId: word[1]!.toString(36) };
}
