import { describe, expect, it } from 'vitest';
import { maxPool3d } from '../../src/ops/maxpool3d.js';
import { Graph } from '../../src/runtime/index.js';
import { useRuntime, runOnce } from '../helpers/gpu.js';
import { prod, randomArray } from '../helpers/numeric.js';
import { maxPool3dRef } from '../reference/maxpool3d.js';

describe('maxPool3d', () => {
  const rt = useRuntime();

  for (const shape of [
    [2, 3, 5, 7, 3],
    [3, 5, 4, 4, 4],
    [1, 512, 8, 8, 8],
    [2, 1, 2, 9, 6],
  ]) {
    it(`pools [${shape}] exactly`, async () => {
      const x = randomArray(prod(shape), prod(shape) % 97);
      const out = await runOnce(rt(), (g) => maxPool3d(g, rt().upload(x, shape)));
      expect(Array.from(out)).toEqual(maxPool3dRef(x, shape));
    });
  }

  it('rejects inputs that are not 5-D or smaller than the window, and bad outs', () => {
    const g = new Graph(rt());
    expect(() => maxPool3d(g, rt().tensor([2, 4, 4, 4]))).toThrow(/maxPool3d: x \[2,4,4,4\]/);
    expect(() => maxPool3d(g, rt().tensor([1, 1, 4, 1, 4]))).toThrow(/smaller/);
    expect(() => maxPool3d(g, rt().tensor([1, 2, 4, 4, 4]), rt().tensor([1, 2, 2, 2, 3]))).toThrow(/\[1,2,2,2,2\]/);
    g.dispose();
  });
});
