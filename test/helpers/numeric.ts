import { uniformStream as rng } from '../../src/models/random-model.js';

export { rng };

/** Values in [-scale, scale] never closer to zero than 1e-3 * scale. */
export function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const m = 1e-3 + r() * (1 - 1e-3);
    out[i] = (r() < 0.5 ? -m : m) * scale;
  }
  return out;
}

/** ||out - ref|| / ||ref||; NaN anywhere in out gives NaN (fails any bound). */
export function relErr(out: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (out.length !== ref.length) throw new Error(`length ${out.length} vs reference ${ref.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = out[i] - ref[i];
    num += d * d;
    den += ref[i] * ref[i];
  }
  return Math.sqrt(num) / Math.sqrt(den);
}

export function prod(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
