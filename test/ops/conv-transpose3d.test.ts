import { describe, expect, it } from 'vitest';
import { convTranspose3d, prepareConvTranspose3d } from '../../src/ops/conv-transpose3d.js';
import { Graph, type DType } from '../../src/runtime/index.js';
import { useRuntime, runOnce } from '../helpers/gpu.js';
import { asGpuAdapter, convErr, convTranspose3dOutSize, convTranspose3dRef, pickChannels, randomLayer, withoutSubgroups, type LayerCase } from '../reference/conv.js';

type Case = LayerCase & { outputPadding: number };

describe('convTranspose3d', () => {
  const rt = useRuntime();

  async function check(c: Case, seed: number, channels?: number[], runtime = rt(), dtype: DType = 'f32'): Promise<number> {
    const k = c.kernel;
    // PyTorch's fan-in for ConvTranspose3d weights (I, O, k, k, k) is O * k^3.
    const { xShape, x, weight, bias } = randomLayer(c, seed, c.outChannels * k ** 3);
    const opts = { stride: c.stride, padding: c.padding, outputPadding: c.outputPadding };
    const w = prepareConvTranspose3d(
      runtime,
      { shape: [c.inChannels, c.outChannels, k, k, k], data: weight },
      opts,
      bias && { shape: [c.outChannels], data: bias },
      dtype,
    );
    const out = await runOnce(runtime, (g) => convTranspose3d(g, runtime.upload(x, xShape), w, opts));
    runtime.release(w.weight, ...(w.bias ? [w.bias] : []));
    const ref = convTranspose3dRef({ xShape, x, weight, bias, outChannels: c.outChannels, kernel: k, ...opts }, channels);
    return convErr(pickChannels(out, c.batch, c.outChannels, channels), ref.data);
  }

  const combos = [1, 2, 3].flatMap((kernel) =>
    [1, 2].flatMap((stride) =>
      [0, 1].flatMap((padding) => [0, 1].filter((op) => op < stride).map((outputPadding) => ({ kernel, stride, padding, outputPadding }))),
    ),
  );
  const sizes: [number, number, number][] = [
    [5, 7, 3],
    [3, 1, 6],
    [2, 4, 9],
  ];
  const channelPairs = [
    [1, 3],
    [3, 5],
    [5, 17],
    [17, 1],
  ];

  for (const { kernel, stride, padding, outputPadding } of combos) {
    it(`k${kernel} s${stride} p${padding} op${outputPadding} on odd sizes, batches and channel counts`, async () => {
      let seed = 1000 * kernel + 100 * stride + 10 * padding + outputPadding;
      for (const [index, size] of sizes.entries()) {
        if (size.some((n) => convTranspose3dOutSize(n, kernel, stride, padding, outputPadding) < 1)) continue;
        for (const [pair, [inChannels, outChannels]] of channelPairs.entries()) {
          const c: Case = {
            batch: 1 + ((index + pair) % 3),
            inChannels,
            outChannels,
            size,
            kernel,
            stride,
            padding,
            outputPadding,
            bias: pair % 2 === 1,
          };
          expect(await check(c, (seed += 7)), JSON.stringify(c)).toBeLessThan(1e-5);
        }
      }
    });
  }

  describe('published layer sizes (8 output channels checked over the full volume)', () => {
    const layer = (inChannels: number, outChannels: number, size: number, kernel: number, stride: number): Case => ({
      batch: 1,
      inChannels,
      outChannels,
      size: [size, size, size],
      kernel,
      stride,
      padding: 0,
      outputPadding: 0,
      bias: true,
    });
    const real: [string, Case][] = [
      ['2048->512 k2 s2 on 2x2x2', layer(2048, 512, 2, 2, 2)],
      ['1024->512 k2 s2 on 4x4x4', layer(1024, 512, 4, 2, 2)],
      ['1024->1024 k1 on 2x2x2', layer(1024, 1024, 2, 1, 1)],
      ['VAE decoder 64->32 k3 s2 p1 op1 on 6x6x3', { ...layer(64, 32, 6, 3, 2), size: [6, 6, 3], padding: 1, outputPadding: 1 }],
    ];
    for (const [name, c] of real) {
      it(name, async () => {
        const channels = [0, 1, 7, 8, 13, 21, 30, c.outChannels - 1];
        expect(await check(c, 17, channels)).toBeLessThan(1e-5);
      });
    }
  });

  it('matches with the plain weight loader (no subgroups)', async () => {
    const plain = withoutSubgroups(rt());
    let seed = 900;
    for (const [kernel, stride, padding, outputPadding] of [[3, 2, 1, 1], [2, 2, 0, 0], [3, 2, 0, 1], [3, 1, 1, 0]]) {
      const c: Case = { batch: 2, inChannels: 5, outChannels: 17, size: [5, 7, 3], kernel, stride, padding, outputPadding, bias: true };
      expect(await check(c, (seed += 7), undefined, plain), JSON.stringify(c)).toBeLessThan(1e-5);
    }
  });

  it('stores weights (and padded input) as f16 with f32 sums, with and without subgroups', async () => {
    let seed = 1500;
    for (const runtime of [rt(), withoutSubgroups(rt())]) {
      // [2, 2, 0, 0] runs the GEMM (f16 weights only), the others the padded core.
      for (const [kernel, stride, padding, outputPadding] of [[3, 2, 1, 1], [2, 2, 0, 0], [3, 1, 1, 0]]) {
        const c: Case = { batch: 2, inChannels: 9, outChannels: 17, size: [5, 7, 3], kernel, stride, padding, outputPadding, bias: true };
        const err = await check(c, (seed += 7), undefined, runtime, 'f16');
        expect(err, JSON.stringify(c)).toBeLessThan(1e-3);
        expect(err, JSON.stringify(c)).toBeGreaterThan(1e-5);
      }
    }
  });

  it('kernel = stride layers on the GEMM core: GPU tiling (split-K on small outputs), no subgroups, f16', async () => {
    let seed = 2000;
    for (const runtime of [asGpuAdapter(rt()), withoutSubgroups(asGpuAdapter(rt())), withoutSubgroups(rt())]) {
      for (const [kernel, batch, inChannels, outChannels, size] of [
        [2, 3, 9, 17, [5, 7, 3]],
        [1, 2, 37, 5, [3, 1, 6]],
        [2, 1, 130, 70, [2, 2, 1]],
      ] as const) {
        const c: Case = { batch, inChannels, outChannels, size: [...size], kernel, stride: kernel, padding: 0, outputPadding: 0, bias: true };
        expect(await check(c, (seed += 7), undefined, runtime), JSON.stringify(c)).toBeLessThan(1e-5);
        expect(await check(c, (seed += 7), undefined, runtime, 'f16'), JSON.stringify(c)).toBeLessThan(1e-3);
      }
    }
    const c: Case = { batch: 1, inChannels: 2048, outChannels: 512, size: [2, 2, 2], kernel: 2, stride: 2, padding: 0, outputPadding: 0, bias: true };
    expect(await check(c, 31, [0, 1, 7, 8, 13, 21, 30, 511], asGpuAdapter(rt()))).toBeLessThan(1e-5);
  });

  it('rejects weights prepared for another stride or padding', () => {
    const gemm = prepareConvTranspose3d(rt(), { shape: [3, 4, 2, 2, 2], data: new Float32Array(3 * 4 * 8) }, { stride: 2, padding: 0, outputPadding: 0 });
    const direct = prepareConvTranspose3d(rt(), { shape: [3, 4, 2, 2, 2], data: new Float32Array(3 * 4 * 8) }, { stride: 1, padding: 0, outputPadding: 0 });
    const g = new Graph(rt());
    const x = rt().tensor([1, 3, 2, 2, 2]);
    expect(() => convTranspose3d(g, x, gemm, { stride: 1, padding: 0, outputPadding: 0 })).toThrow(/prepared for the gemm kernel/);
    expect(() => convTranspose3d(g, x, direct, { stride: 2, padding: 0, outputPadding: 0 })).toThrow(/prepared for the direct kernel/);
    g.dispose();
    rt().release(x, gemm.weight, direct.weight);
  });

  it('rejects inputs that do not fit the weights', () => {
    const opts = { stride: 2, padding: 0, outputPadding: 0 };
    const w = prepareConvTranspose3d(rt(), { shape: [3, 4, 2, 2, 2], data: new Float32Array(3 * 4 * 8) }, opts);
    const g = new Graph(rt());
    const x = rt().tensor([1, 4, 2, 2, 2]);
    expect(() => convTranspose3d(g, x, w, opts)).toThrow(/convTranspose3d: input \[1,4,2,2,2\].*expected \(B, 3, D, H, W\)/);
    expect(() => convTranspose3d(g, rt().tensor([1, 3, 2, 2, 2]), w, { ...opts, outputPadding: 2 })).toThrow(/output padding < stride/);
    rt().release(x, w.weight);
  });
});
