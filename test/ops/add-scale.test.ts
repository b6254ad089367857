import { describe, expect, it } from 'vitest';
import { Act } from '../../src/ops/activation.js';
import { addScale } from '../../src/ops/add-scale.js';
import { Graph } from '../../src/runtime/index.js';
import { useRuntime, runOnce } from '../helpers/gpu.js';
import { prod, randomArray, relErr } from '../helpers/numeric.js';
import { activations } from '../reference/activation.js';
import { addScaleRef } from '../reference/add-scale.js';

describe('addScale', () => {
  const rt = useRuntime();

  for (const [name, scale, shape] of [
    ['none', 1 / 1.414, [3, 5, 5, 7, 3]],
    ['relu', 1, [2, 7, 3, 1, 5]],
    ['gelu', 1 / 1.414, [1, 512, 4, 4, 4]],
    ['leakyRelu', 0.5, [2, 3, 3]],
    ['tanh', 2, [5]],
  ] as const) {
    it(`act ${name}, scale ${scale.toFixed(4)}, shape [${shape}]`, async () => {
      const a = randomArray(prod(shape), 1, 2);
      const b = randomArray(prod(shape), 2, 2);
      const out = await runOnce(rt(), (g) =>
        addScale(g, rt().upload(a, [...shape]), rt().upload(b, [...shape]), scale, Act[name]),
      );
      expect(relErr(out, addScaleRef(a, b, scale, activations[name]))).toBeLessThan(1e-6);
    });
  }

  it('rejects shape mismatches and aliasing outs', () => {
    const g = new Graph(rt());
    const a = rt().tensor([2, 3]);
    expect(() => addScale(g, a, rt().tensor([3, 2]), 1)).toThrow(/addScale: a \[2,3\], b \[3,2\]/);
    expect(() => addScale(g, a, rt().tensor([2, 3]), 1, Act.none, rt().tensor([6]))).toThrow(/out \[6\]/);
    expect(() => addScale(g, a, rt().tensor([2, 3]), 1, Act.none, a)).toThrow(/share/);
    g.release();
  });
});
