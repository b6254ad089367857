import { describe, expect, it } from 'vitest';
import { convPathFor, timeConvPaths } from '../../src/ops/conv-choice.js';
import { conv3d, conv3dPath, prepareConv3d } from '../../src/ops/conv3d.js';
import { Graph } from '../../src/runtime/index.js';
import { useRuntime } from '../helpers/gpu.js';

describe('the choice between Winograd and the direct kernel', () => {
  const rt = useRuntime();
  const SAME = { stride: 1, padding: 1 };

  it('takes Winograd from 8 tiles per sample in f32 and 4 in f16, and 8 channels each way, whatever the batch', () => {
    for (const dtype of ['f32', 'f16'] as const) {
      expect(convPathFor([8, 8, 4], 512, 512, dtype)).toBe('winograd');
      expect(convPathFor([3, 3, 3], 8, 8, dtype)).toBe('winograd');
      expect(convPathFor([8, 8, 4], 4, 512, dtype)).toBe('direct');
      expect(convPathFor([8, 8, 4], 512, 4, dtype)).toBe('direct');
      expect(convPathFor([4, 2, 2], 1024, 1024, dtype)).toBe('direct');
    }
    expect(convPathFor([4, 4, 2], 1024, 1024, 'f32')).toBe('direct');
    expect(convPathFor([4, 4, 2], 1024, 1024, 'f16')).toBe('winograd');
  });

  it('builds each layer on the kernel its weights were prepared for, and times both kernels of each distinct layer', async () => {
    const weights = rt().scope();
    const host = { shape: [8, 8, 3, 3, 3], data: new Float32Array(8 * 8 * 27).fill(0.01) };
    const direct = prepareConv3d(weights, host, undefined, 'f32', conv3dPath(3, SAME, [4, 4, 2], 8, 8, 'f32'));
    const winograd = prepareConv3d(weights, host, undefined, 'f32', conv3dPath(3, SAME, [5, 3, 3], 8, 8, 'f32'));
    const layers = (g: Graph) => {
      conv3d(g, g.tensor([1, 8, 4, 4, 2]), direct, SAME);
      conv3d(g, g.tensor([2, 8, 5, 3, 3]), winograd, SAME);
      conv3d(g, g.tensor([1, 8, 4, 4, 2]), direct, SAME);
      // Not a Winograd layer: not timed.
      conv3d(g, g.tensor([1, 8, 4, 4, 2]), direct, { stride: 2, padding: 1 });
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
    weights.dispose();
  });

  it('uploads only the weights of the kernel a layer runs on', () => {
    const host = { shape: [16, 16, 3, 3, 3], data: new Float32Array(16 * 16 * 27) };
    const before = rt().memoryStats().liveBytes;
    const scope = rt().scope();
    prepareConv3d(scope, host, undefined, 'f32', 'direct');
    const direct = rt().memoryStats().liveBytes - before;
    scope.dispose();
    const again = rt().scope();
    const w = prepareConv3d(again, host, undefined, 'f32', 'winograd');
    const transformed = rt().memoryStats().liveBytes - before;
    again.dispose();
    expect(w.path).toBe('winograd');
    expect('weight' in w).toBe(false);
    // 16 x 16 channel pairs: 27 direct taps, 64 transformed components (no other upload).
    expect(direct).toBe(16 * 16 * 27 * 4);
    expect(transformed).toBe(64 * 16 * 16 * 4);
  });

  it('refuses Winograd weights on a strided layer', () => {
    const scope = rt().scope();
    const w = prepareConv3d(scope, { shape: [8, 8, 3, 3, 3], data: new Float32Array(8 * 8 * 27) }, undefined, 'f32', 'winograd');
    const g = new Graph(rt());
    expect(() => conv3d(g, g.tensor([1, 8, 4, 4, 4]), w, { stride: 2, padding: 1 })).toThrow(/Winograd weights run only stride 1, padding 1/);
    g.dispose();
    scope.dispose();
  });
});
