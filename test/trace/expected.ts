/** What test/trace/fixtures/traffic.ts sends and receives on each rank of a job of `size`. */
export interface Traffic { sent: number; bytesSent: number; received: number; bytesReceived: number }

export function expectedTraffic(rank: number, size: number): Traffic {
  const pingpong = size >= 2 && rank < 2 ? 10 : 0;
  const fanIn = rank === 0 ? Array.from({ length: size - 1 }, (_, i) => 4 * (i + 2)) : [];
  return {
    sent: pingpong + 1 + (rank === 0 ? 0 : 1) + 1 + 1,
    bytesSent: 8 * pingpong + 16 + (rank === 0 ? 0 : 4 * (rank + 1)) + 8 + 16,
    received: pingpong + 1 + fanIn.length + 1 + 1,
    bytesReceived: 8 * pingpong + 16 + fanIn.reduce((a, b) => a + b, 0) + 8 + 16,
  };
}
