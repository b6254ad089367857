/** x (B, C, S) + each v (B, C) broadcast over S, added left to right. */
export function addChannelVectorsRef(x: ArrayLike<number>, vectors: ArrayLike<number>[], batchTimesChannels: number): number[] {
  const spatial = x.length / batchTimesChannels;
  return Array.from(x, (v, i) => vectors.reduce((sum, vec) => sum + vec[Math.floor(i / spatial)], v));
}
