import { describe, expect, it } from 'vitest';
import { Act } from '../../src/ops/activation.js';
import { groupNorm, instanceNorm, type Residual } from '../../src/ops/norm.js';
import { unary } from '../../src/ops/unary.js';
import { Graph, RecordedGraph, type Runtime, type Tensor } from '../../src/runtime/index.js';
import { useRuntime, runOnce } from '../helpers/gpu.js';
import { prod, randomArray, relErr } from '../helpers/numeric.js';
import { activations } from '../reference/activation.js';
import { withoutSubgroups } from '../reference/conv.js';
import { groupNormRef } from '../reference/norm.js';

interface CheckOptions {
  affine?: boolean;
  act?: keyof typeof Act;
  eps?: number;
  offset?: number;
  residual?: Omit<Residual, 'tensor'>;
}

/**
 * Runs `op` on x once. In place, between two exact copies (unary with no
 * activation), so that its input is an intermediate that dies at it and its
 * output is not the graph's: the graph must then run it in place.
 */
async function runPlanned(r: Runtime, inPlace: boolean, x: Tensor, op: (g: Graph, input: Tensor) => Tensor): Promise<Float32Array> {
  const graph = RecordedGraph.record(r, {}, (g) => ({ out: inPlace ? unary(g, op(g, unary(g, x, Act.none)), Act.none) : op(g, x) }));
  try {
    expect(graph.memoryPlan.inPlace).toEqual(inPlace ? [1] : []);
    return (await graph.evaluate({})).out;
  } finally {
    graph.dispose();
  }
}

describe('groupNorm / instanceNorm', () => {
  const rt = useRuntime();

  function affineFor(channels: number, seed: number) {
    return { weight: randomArray(channels, seed, 2), bias: randomArray(channels, seed + 1) };
  }

  // Every kernel path: subgroupAdd in one subgroup-wide workgroup where the
  // adapter has subgroups (small segments only), the workgroup-memory tree otherwise.
  for (const [path, runtime] of [
    ['adapter default', (): Runtime => rt()],
    ['no subgroups', (): Runtime => withoutSubgroups(rt())],
  ] as const) {
    describe(path, () => {
      /** Checks out of place (x uploaded) and in place (x an intermediate that dies at the norm). */
      async function check(shape: number[], groups: number, seed: number, opts: CheckOptions = {}) {
        const r = runtime();
        const [batch, channels] = shape;
        const x = randomArray(prod(shape), seed, 3).map((v) => v + (opts.offset ?? 0));
        const aff = opts.affine ? affineFor(channels, seed + 7) : undefined;
        const res = opts.residual && { ...opts.residual, values: randomArray(prod(shape), seed + 9, 2) };
        const act = opts.act ?? 'none';
        const ref = groupNormRef(x, batch, channels, groups, opts.eps ?? 1e-5, aff, activations[act], res);
        for (const inPlace of [false, true]) {
          const norm = (g: Graph, input: Tensor) =>
            groupNorm(g, input, groups, {
              affine: aff && { weight: r.upload(aff.weight, [channels]), bias: r.upload(aff.bias, [channels]) },
              act: Act[act],
              eps: opts.eps,
              residual: res && { ...res, tensor: r.upload(res.values, shape) },
            });
          const out = await runPlanned(r, inPlace, r.upload(x, shape), norm);
          expect(relErr(out, ref), JSON.stringify({ shape, groups, opts, inPlace })).toBeLessThan(1e-5);
        }
      }

      it('GroupNorm(8) at the UNet sizes, C = 16 and C = 1024 at 2x2x2, with affine', async () => {
        await check([2, 16, 2, 2, 2], 8, 1, { affine: true });
        await check([3, 1024, 2, 2, 2], 8, 2, { affine: true, act: 'leakyRelu' });
        await check([1, 1024, 8, 8, 8], 8, 3, { affine: true, act: 'tanh' });
      });

      it('InstanceNorm at the UNet sizes 8x8x4, 4x4x2, 2x2x1, batch 1 and 3', async () => {
        for (const [i, spatial] of [[8, 8, 4], [4, 4, 2], [2, 2, 1]].entries()) {
          await check([1, 64, ...spatial], 64, 20 + i, { act: 'gelu' });
          await check([3, 130, ...spatial], 130, 30 + i, { act: 'gelu' });
        }
      });

      it('odd sizes, channels not a multiple of 4, every fused activation', async () => {
        await check([3, 6, 5, 7, 3], 3, 4, { affine: true, act: 'gelu' });
        await check([2, 5, 5, 7, 3], 5, 5, { act: 'relu' });
        await check([2, 14, 3, 1, 5], 7, 6, { affine: true, act: 'leakyRelu' });
        await check([1, 3, 9, 1, 1], 1, 7, { act: 'tanh' });
        await check([5, 13, 1, 1, 1], 13, 8, { act: 'sigmoid' });
        await check([3, 7, 1, 1, 3], 7, 9, { affine: true });
      });

      it('every segment length from 2 to 70 and a few past each workgroup width', async () => {
        for (let len = 2; len <= 70; len++) await check([2, 3, len], 3, 100 + len, { act: 'gelu' });
        for (const len of [127, 129, 255, 257, 511, 513, 2047, 2049, 4097]) await check([2, 3, len], 3, len, { affine: true });
      });

      it('fuses a residual, act then add (UNet) and add then act (VAE), with odd sizes and batch > 1', async () => {
        await check([3, 7, 5, 3, 1], 7, 40, { act: 'gelu', residual: { scale: 1 / 1.414, order: 'act-then-add' } });
        await check([2, 64, 4, 4, 2], 64, 41, { act: 'gelu', residual: { scale: 1 / 1.414, order: 'act-then-add' } });
        await check([3, 6, 5, 7, 3], 6, 42, { affine: true, act: 'relu', residual: { scale: 1, order: 'add-then-act' } });
        await check([2, 5, 33, 17, 3], 5, 43, { affine: true, act: 'relu', residual: { scale: 0.5, order: 'add-then-act' } });
        await check([2, 12, 3, 3, 3], 4, 44, { act: 'tanh', residual: { scale: 2, order: 'act-then-add' } });
      });

      it('honours eps', async () => {
        await check([2, 4, 3, 3, 3], 2, 8, { eps: 0.5 });
        // Spread far below eps: the output is dominated by eps.
        const r = runtime();
        const shape = [1, 2, 33];
        const x = randomArray(66, 9, 1e-3);
        const ref = groupNormRef(x, 1, 2, 2, 1e-2);
        const out = await runOnce(r, (g) => instanceNorm(g, r.upload(x, shape), { eps: 1e-2 }));
        expect(relErr(out, ref)).toBeLessThan(1e-5);
      });

      it('InstanceNorm with and without affine, batch > 1, odd spatial', async () => {
        for (const affine of [false, true]) {
          const r = runtime();
          const shape = [3, 7, 5, 7, 3];
          const x = randomArray(prod(shape), 10, 2);
          const aff = affine ? affineFor(7, 11) : undefined;
          const ref = groupNormRef(x, 3, 7, 7, 1e-5, aff, activations.gelu);
          const out = await runOnce(r, (g) =>
            instanceNorm(g, r.upload(x, shape), {
              act: Act.gelu,
              affine: aff && { weight: r.upload(aff.weight, [7]), bias: r.upload(aff.bias, [7]) },
            }),
          );
          expect(relErr(out, ref)).toBeLessThan(1e-5);
        }
      });

      it('large spatial extents: one channel of 64x64x32, with a mean far from zero', async () => {
        await check([1, 1, 64, 64, 32], 1, 12, { offset: 40 });
        await check([2, 3, 32, 16, 17], 3, 13, { affine: true, offset: -5 });
        await check([2, 64, 4, 4, 4], 64, 14, { offset: 300 });
      });

      it('more than 65535 workgroups fold into a 2-D grid', async () => {
        await check([1, 65600, 65], 65600, 17, { affine: true });
      });
    });
  }

  it("the feature predictor's InstanceNorm1d on (B, h): each row over its h features", async () => {
    const [batch, h] = [5, 129];
    const x = randomArray(batch * h, 14, 4);
    const out = await runOnce(rt(), (g) => groupNorm(g, rt().upload(x, [batch, h]).view([1, batch, h]), batch));
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
    const x = r.upload(randomArray(24, 15), [2, 4, 3]);
    const g = new Graph(r);
    const out = r.tensor([2, 4, 3]);
    expect(groupNorm(g, x, 2, {}, out)).toBe(out);
    expect(() => groupNorm(g, x, 3)).toThrow(/groupNorm: x \[2,4,3\], 3 groups/);
    expect(() => groupNorm(g, x, 2, {}, r.tensor([2, 12]))).toThrow(/out \[2,12\]/);
    expect(() => groupNorm(g, x, 2, {}, x)).toThrow(/share/);
    const four = r.upload(randomArray(4, 16), [4]);
    expect(() => instanceNorm(g, x, { affine: { weight: four, bias: r.upload(randomArray(3, 1), [3]) } })).toThrow(/affine/);
    const residual = (tensor: typeof x) => ({ tensor, scale: 1, order: 'act-then-add' }) as const;
    expect(() => groupNorm(g, x, 2, { residual: residual(r.tensor([4, 2, 3])) })).toThrow(/residual \[4,2,3\]/);
    const otherOut = r.tensor([2, 4, 3]);
    expect(() => groupNorm(g, x, 2, { residual: residual(otherOut) }, otherOut)).toThrow(/share/);
    g.run();
    expect(relErr(await r.download(out), groupNormRef(await r.download(x), 2, 4, 2, 1e-5))).toBeLessThan(1e-5);
    g.dispose();
  });
});
