import { describe, expect, it } from 'vitest';
import { convPathFor, timeConvPaths } from '../../src/ops/conv-choice.js';
import { conv3d, prepareConv3d } from '../../src/ops/conv3d.js';
import { Graph } from '../../src/runtime/index.js';
import { useRuntime } from '../helpers/gpu.js';

describe('the choice between Winograd and the direct kernel', () => {
  const rt = useRuntime();

  it('takes Winograd from 8 tiles per sample and 8 channels each way, whatever the batch', () => {
    expect(convPathFor([8, 8, 4], 512, 512)).toBe('winograd');
    expect(convPathFor([3, 3, 3], 8, 8)).toBe('winograd');
    expect(convPathFor([4, 4, 2], 1024, 1024)).toBe('direct');
    expect(convPathFor([8, 8, 4], 4, 512)).toBe('direct');
    expect(convPathFor([8, 8, 4], 512, 4)).toBe('direct');
  });

  it('builds each layer by its path and times both paths of each distinct layer', async () => {
    const w = prepareConv3d(rt(), { shape: [8, 8, 3, 3, 3], data: new Float32Array(8 * 8 * 27).fill(0.01) });
    const layers = (g: Graph) => {
      conv3d(g, g.tensor([1, 8, 4, 4, 2]), w, { stride: 1, padding: 1 });
      conv3d(g, g.tensor([2, 8, 5, 3, 3]), w, { stride: 1, padding: 1 });
      conv3d(g, g.tensor([1, 8, 4, 4, 2]), w, { stride: 1, padding: 1 });
      // Not a Winograd layer: not timed.
      conv3d(g, g.tensor([1, 8, 4, 4, 2]), w, { stride: 2, padding: 1 });
    };
    const timings = await timeConvPaths(rt(), layers);
    expect(timings.map((c) => [c.layer, c.path])).toEqual([
      ['conv3d 8->8 k3 s1 -> 4x4x2 (B=1) f32', 'direct'],
      ['conv3d 8->8 k3 s1 -> 5x3x3 (B=2) f32', 'winograd'],
    ]);
    for (const c of timings) {
      expect(c.ms.winograd).toBeGreaterThan(0);
      expect(c.ms.direct).toBeGreaterThan(0);
    }
    const g = new Graph(rt());
    layers(g);
    const labels = g.dispatches.map((d) => d.label);
    expect(labels.filter((l) => l === 'conv3d winograd gemm')).toHaveLength(1);
    expect(labels.filter((l) => l === 'conv3d')).toHaveLength(3);
    g.dispose();
    rt().release(w.weight, ...w.winograd!.parts);
  });
});
