import { describe, expect, it } from 'vitest';
import { Act } from '../../src/ops/activation.js';
import { groupNorm, instanceNorm } from '../../src/ops/norm.js';
import { Graph } from '../../src/runtime/index.js';
import { useRuntime, runOnce } from '../helpers/gpu.js';
import { prod, randomArray, relErr } from '../helpers/numeric.js';
import { activations } from '../reference/activation.js';
import { groupNormRef } from '../reference/norm.js';

describe('groupNorm / instanceNorm', () => {
  const rt = useRuntime();

  function upload(data: Float32Array, shape: number[]) {
    return rt().upload(data, shape);
  }

  function affineFor(channels: number, seed: number) {
    return { weight: randomArray(channels, seed, 2), bias: randomArray(channels, seed + 1) };
  }

  async function check(shape: number[], groups: number, seed: number, opts: { affine?: boolean; act?: keyof typeof Act; eps?: number; offset?: number } = {}) {
    const [batch, channels] = shape;
    const x = randomArray(prod(shape), seed, 3).map((v) => v + (opts.offset ?? 0));
    const aff = opts.affine ? affineFor(channels, seed + 7) : undefined;
    const act = opts.act ?? 'none';
    const ref = groupNormRef(x, batch, channels, groups, opts.eps ?? 1e-5, aff, activations[act]);
    const out = await runOnce(rt(), (g) =>
      groupNorm(g, upload(x, shape), groups, {
        affine: aff && { weight: upload(aff.weight, [channels]), bias: upload(aff.bias, [channels]) },
        act: Act[act],
        eps: opts.eps,
      }),
    );
    expect(relErr(out, ref)).toBeLessThan(1e-5);
  }

  it('GroupNorm(8) at the UNet sizes, C = 16 and C = 1024 at 2x2x2, with affine', async () => {
    await check([2, 16, 2, 2, 2], 8, 1, { affine: true });
    await check([3, 1024, 2, 2, 2], 8, 2, { affine: true, act: 'leakyRelu' });
    await check([1, 1024, 8, 8, 8], 8, 3, { affine: true, act: 'tanh' });
  });

  it('odd sizes, channels not a multiple of 4, every fused activation', async () => {
    await check([3, 6, 5, 7, 3], 3, 4, { affine: true, act: 'gelu' });
    await check([2, 5, 5, 7, 3], 5, 5, { act: 'relu' });
    await check([2, 14, 3, 1, 5], 7, 6, { affine: true, act: 'leakyRelu' });
    await check([1, 3, 9, 1, 1], 1, 7, { act: 'tanh' });
  });

  it('honours eps', async () => {
    await check([2, 4, 3, 3, 3], 2, 8, { eps: 0.5 });
    // Spread far below eps: the output is dominated by eps.
    const shape = [1, 2, 33];
    const x = randomArray(66, 9, 1e-3);
    const ref = groupNormRef(x, 1, 2, 2, 1e-2);
    const out = await runOnce(rt(), (g) => instanceNorm(g, upload(x, shape), { eps: 1e-2 }));
    expect(relErr(out, ref)).toBeLessThan(1e-5);
  });

  it('InstanceNorm with and without affine, batch > 1, odd spatial', async () => {
    for (const affine of [false, true]) {
      const shape = [3, 7, 5, 7, 3];
      const x = randomArray(prod(shape), 10, 2);
      const aff = affine ? affineFor(7, 11) : undefined;
      const ref = groupNormRef(x, 3, 7, 7, 1e-5, aff, activations.gelu);
      const out = await runOnce(rt(), (g) =>
        instanceNorm(g, upload(x, shape), {
          act: Act.gelu,
          affine: aff && { weight: upload(aff.weight, [7]), bias: upload(aff.bias, [7]) },
        }),
      );
      expect(relErr(out, ref)).toBeLessThan(1e-5);
    }
  });

  it('large spatial extents: one channel of 64x64x32, with a mean far from zero', async () => {
    await check([1, 1, 64, 64, 32], 1, 12, { offset: 40 });
    await check([2, 3, 32, 16, 17], 3, 13, { affine: true, offset: -5 });
  });

  it('more than 65535 (sample, group) pairs fold into a 2-D grid, as at 1024 channels x batch 64', async () => {
    await check([65, 1024, 2], 1024, 17, { affine: true });
  });

  it("the feature predictor's InstanceNorm1d on (B, h): each row over its h features", async () => {
    const [batch, h] = [5, 129];
    const x = randomArray(batch * h, 14, 4);
    const out = await runOnce(rt(), (g) => groupNorm(g, upload(x, [batch, h]).view([1, batch, h]), batch));
    for (let b = 0; b < batch; b++) {
      const row = Array.from(x.subarray(b * h, (b + 1) * h));
      const mean = row.reduce((a, v) => a + v, 0) / h;
      const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / h;
      const ref = row.map((v) => (v - mean) / Math.sqrt(variance + 1e-5));
      expect(relErr(out.subarray(b * h, (b + 1) * h), ref)).toBeLessThan(1e-5);
    }
  });

  it('writes into a given out tensor and rejects bad shapes', async () => {
    const r = rt();
    const x = upload(randomArray(24, 15), [2, 4, 3]);
    const g = new Graph(r);
    const out = r.tensor([2, 4, 3]);
    expect(groupNorm(g, x, 2, {}, out)).toBe(out);
    expect(() => groupNorm(g, x, 3)).toThrow(/groupNorm: x \[2,4,3\], 3 groups/);
    expect(() => groupNorm(g, x, 2, {}, r.tensor([2, 12]))).toThrow(/out \[2,12\]/);
    expect(() => groupNorm(g, x, 2, {}, x)).toThrow(/share/);
    const four = upload(randomArray(4, 16), [4]);
    expect(() => instanceNorm(g, x, { affine: { weight: four, bias: upload(randomArray(3, 1), [3]) } })).toThrow(/affine/);
    g.run();
    expect(relErr(await r.download(out), groupNormRef(await r.download(x), 2, 4, 2, 1e-5))).toBeLessThan(1e-5);
    g.release();
  });
});
