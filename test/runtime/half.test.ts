import { describe, expect, it } from 'vitest';
import { fromHalfBits, toHalfBits } from '../../src/runtime/half.js';
import { useRuntime } from '../helpers/gpu.js';
import { randomArray } from '../helpers/numeric.js';

describe('f16 conversion', () => {
  it('rounds to nearest even at the edges of the format', () => {
    const cases: [number, number][] = [
      [0, 0x0000],
      [-0, 0x8000],
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [65520, 0x7c00], // halfway past the largest half: rounds to infinity
      [65519, 0x7bff],
      [1e9, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie between 0 and 2^-24: even is 0
      [3 * 2 ** -26, 0x0001],
      [1 + 2 ** -11, 0x3c00], // tie: stays even
      [1 + 3 * 2 ** -11, 0x3c02], // tie: rounds up to even
      [2 ** -14 - 2 ** -25, 0x0400], // largest subnormal tie rounds up into the normals
    ];
    const bits = toHalfBits(new Float32Array(cases.map(([v]) => v)));
    cases.forEach(([v, expected], i) => expect(bits[i], `${v}`).toBe(expected));
    expect(Number.isNaN(fromHalfBits(toHalfBits(new Float32Array([NaN])))[0])).toBe(true);
  });

  it('round-trips within half an f16 ulp', () => {
    const x = randomArray(10000, 3, 100);
    const back = fromHalfBits(toHalfBits(x));
    for (let i = 0; i < x.length; i++) expect(Math.abs(back[i] - x[i])).toBeLessThanOrEqual(Math.abs(x[i]) * 2 ** -11);
  });

  const rt = useRuntime();

  it('uploads and downloads f16 tensors of odd length exactly', async () => {
    const values = fromHalfBits(toHalfBits(randomArray(7, 5, 10)));
    const t = rt().upload(values, [7], 'f16');
    expect(t.byteLength).toBe(16);
    expect(Array.from(await rt().download(t))).toEqual(Array.from(values));
    rt().release(t);
  });
});
