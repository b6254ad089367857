import { describe, expect, it } from 'vitest';
import { Act } from '../../src/ops/activation.js';
import { linear, prepareLinear } from '../../src/ops/linear.js';
import { Graph, type Runtime } from '../../src/runtime/index.js';
import { useRuntime, runOnce } from '../helpers/gpu.js';
import { randomArray, relErr } from '../helpers/numeric.js';
import { activations } from '../reference/activation.js';
import { asGpuAdapter, withoutSubgroups } from '../reference/conv.js';
import { linearRef } from '../reference/linear.js';

describe('linear', () => {
  const rt = useRuntime();

  async function check(batch: number, inF: number, outF: number, act: keyof typeof Act, withBias = true, runtime: Runtime = rt()) {
    const seed = batch * 7 + inF * 3 + outF;
    const x = randomArray(batch * inF, seed, 2);
    const weight = randomArray(outF * inF, seed + 1, 1 / Math.sqrt(inF));
    const bias = withBias ? randomArray(outF, seed + 2) : undefined;
    const w = prepareLinear(runtime, { shape: [outF, inF], data: weight }, bias && { shape: [outF], data: bias });
    const out = await runOnce(runtime, (g) => linear(g, runtime.upload(x, [batch, inF]), w, Act[act]));
    runtime.release(w.weight, ...(w.bias ? [w.bias] : []));
    expect(relErr(out, linearRef(x, weight, bias, batch, inF, outF, activations[act]))).toBeLessThan(1e-5);
  }

  it('in = 1, the time embedding: (B, 1) -> 1024, GELU', () => check(3, 1, 1024, 'gelu'));
  it('odd sizes, batch > 1, out not a multiple of 4', () => check(5, 37, 29, 'none'));
  it('a batch that is not a multiple of 4 rows, every fused activation', async () => {
    await check(6, 13, 70, 'relu');
    await check(9, 65, 3, 'leakyRelu');
    await check(2, 130, 5, 'tanh');
  });
  it('without bias', () => check(3, 21, 11, 'none', false));
  it('n_feat 512 embeddings: 1024 -> 1024 and 512 -> 512 at batch 1', async () => {
    await check(1, 1024, 1024, 'none');
    await check(1, 512, 512, 'gelu');
  });
  it("the feature predictor's fc1 and a wide layer: 512 -> 256, 4096 -> 2048", async () => {
    await check(7, 512, 256, 'relu');
    await check(3, 4096, 2048, 'none');
  });
  it('a large batch, such as a table of all time embeddings', () => check(998, 64, 96, 'gelu'));
  it('on the GPU tiling (split-K at small batches) and without subgroups', async () => {
    for (const runtime of [asGpuAdapter(rt()), withoutSubgroups(rt())]) {
      await check(1, 1024, 1024, 'gelu', true, runtime);
      await check(5, 37, 29, 'none', true, runtime);
      await check(3, 1, 70, 'relu', false, runtime);
      await check(40, 513, 96, 'tanh', true, runtime);
    }
  });

  it('rejects bad shapes', () => {
    const g = new Graph(rt());
    expect(() => prepareLinear(rt(), { shape: [3], data: new Float32Array(3) })).toThrow(/weight \[3\]/);
    expect(() =>
      prepareLinear(rt(), { shape: [3, 2], data: new Float32Array(6) }, { shape: [2], data: new Float32Array(2) }),
    ).toThrow(/bias \[2\] must be \[3\]/);
    const w = prepareLinear(rt(), { shape: [3, 2], data: randomArray(6, 1) });
    expect(() => linear(g, rt().tensor([4, 3]), w)).toThrow(/linear: x \[4,3\], weight \(3, 2\)/);
    expect(() => linear(g, rt().tensor([4, 2]), w, Act.none, rt().tensor([3, 4]))).toThrow(/out \[3,4\]/);
    g.dispose();
  });
});
