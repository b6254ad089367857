import { describe, expect, it } from 'vitest';
import { chooseConvPaths, convChoices } from '../../src/ops/conv-choice.js';
import { conv3d, prepareConv3d } from '../../src/ops/conv3d.js';
import { Graph } from '../../src/runtime/index.js';
import { useRuntime } from '../helpers/gpu.js';

describe('per-layer choice between Winograd and the direct kernel', () => {
  const rt = useRuntime();

  it('times both paths once per new layer shape and builds later graphs with the faster', async () => {
    const w = prepareConv3d(rt(), { shape: [8, 6, 3, 3, 3], data: new Float32Array(8 * 6 * 27).fill(0.01) });
    const layers = (g: Graph) => {
      conv3d(g, g.tensor([1, 6, 4, 4, 2]), w, { stride: 1, padding: 1 });
      conv3d(g, g.tensor([2, 6, 5, 3, 3]), w, { stride: 1, padding: 1 });
      conv3d(g, g.tensor([1, 6, 4, 4, 2]), w, { stride: 1, padding: 1 });
      // Not a Winograd layer: never timed.
      conv3d(g, g.tensor([1, 6, 4, 4, 2]), w, { stride: 2, padding: 1 });
    };
    const made = await chooseConvPaths(rt(), layers);
    expect(made.map((c) => c.layer)).toEqual(['conv3d 6->8 k3 s1 -> 4x4x2 (B=1) f32', 'conv3d 6->8 k3 s1 -> 5x3x3 (B=2) f32']);
    for (const c of made) {
      expect(c.ms.winograd).toBeGreaterThan(0);
      expect(c.ms.direct).toBeGreaterThan(0);
      expect(c.path).toBe(c.ms.winograd <= c.ms.direct ? 'winograd' : 'direct');
    }
    expect(await chooseConvPaths(rt(), layers)).toEqual([]);
    expect(convChoices(rt())).toEqual(made);

    const g = new Graph(rt());
    conv3d(g, g.tensor([1, 6, 4, 4, 2]), w, { stride: 1, padding: 1 });
    const winograd = g.dispatches.some((d) => d.label.startsWith('conv3d winograd'));
    expect(winograd).toBe(made[0].path === 'winograd');
    g.release();
    rt().release(w.weight, ...w.winograd!.parts);
  });
});
