/** Philox4x32-10 as in Random123, on plain numbers (BigInt for the 64-bit products). */
const M0 = 0xd2511f53n;
const M1 = 0xcd9e8d57n;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

function mulHiLo(m: bigint, a: number): [number, number] {
  const p = m * BigInt(a >>> 0);
  return [Number(p >> 32n), Number(p & 0xffffffffn)];
}

export function philox4x32_10(counter: readonly number[], key: readonly number[]): number[] {
  let c = counter.map((v) => v >>> 0);
  let [k0, k1] = key.map((v) => v >>> 0);
  for (let round = 0; round < 10; round++) {
    const [hi0, lo0] = mulHiLo(M0, c[0]);
    const [hi1, lo1] = mulHiLo(M1, c[2]);
    c = [(hi1 ^ c[1] ^ k0) >>> 0, lo1, (hi0 ^ c[3] ^ k1) >>> 0, lo0];
    k0 = (k0 + W0) >>> 0;
    k1 = (k1 + W1) >>> 0;
  }
  return c;
}

/** The Box-Muller normal of shaders/philox.wgsl, in float64 from the same bits. */
export function philoxNormal(counter: readonly number[], key: readonly number[]): number {
  const [r0, r1, r2] = philox4x32_10(counter, key);
  const u = (r0 >>> 8) * 2 ** -24 + ((r1 >>> 8) + 1) * 2 ** -48;
  const angle = (r2 >>> 8) * 2 ** -24 * 2 * Math.PI - Math.PI;
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(angle);
}
