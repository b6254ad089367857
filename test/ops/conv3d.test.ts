import { describe, expect, it } from 'vitest';
import { conv3d, conv3dPath, prepareConv3d, type Conv3dPath } from '../../src/ops/conv3d.js';
import { Graph, type DType } from '../../src/runtime/index.js';
import { useRuntime, runOnce } from '../helpers/gpu.js';
import {
  conv3dOutSize,
  conv3dRef,
  convErr,
  pickChannels,
  randomLayer,
  asGpuAdapter,
  withBindingLimit,
  withoutSubgroups,
  type LayerCase as Case,
} from '../reference/conv.js';

describe('conv3d', () => {
  const rt = useRuntime();

  /**
   * Runs one case on the GPU and compares `channels` (all by default) with the
   * float64 reference; `path` forces a 3x3x3 stride-1 pad-1 layer onto one
   * path instead of conv3d's choice.
   */
  async function check(c: Case, seed: number, channels?: number[], runtime = rt(), dtype: DType = 'f32', path?: Conv3dPath): Promise<number> {
    const k = c.kernel;
    const { xShape, x, weight, bias } = randomLayer(c, seed, c.inChannels * k ** 3);
    const weights = runtime.scope();
    const outSize = c.size.map((n) => conv3dOutSize(n, k, c.stride, c.padding));
    const w = prepareConv3d(
      weights,
      { shape: [c.outChannels, c.inChannels, k, k, k], data: weight },
      bias && { shape: [c.outChannels], data: bias },
      dtype,
      path ?? conv3dPath(k, c, outSize, c.inChannels, c.outChannels, dtype),
    );
    const out = await runOnce(runtime, (g) => conv3d(g, runtime.upload(x, xShape), w, { stride: c.stride, padding: c.padding }));
    weights.dispose();
    const ref = conv3dRef({ xShape, x, weight, bias, outChannels: c.outChannels, kernel: k, stride: c.stride, padding: c.padding }, channels);
    return convErr(pickChannels(out, c.batch, c.outChannels, channels), ref.data);
  }

  const combos = [1, 2, 3].flatMap((kernel) => [1, 2].flatMap((stride) => [0, 1].map((padding) => ({ kernel, stride, padding }))));
  const sizes: [number, number, number][] = [
    [5, 7, 3],
    [3, 1, 6],
    [6, 4, 9],
  ];
  const channelPairs = [
    [1, 3],
    [3, 5],
    [5, 17],
    [17, 1],
  ];

  for (const { kernel, stride, padding } of combos) {
    it(`k${kernel} s${stride} p${padding} on odd sizes, batches and channel counts`, async () => {
      let seed = 100 * kernel + 10 * stride + padding;
      for (const [index, size] of sizes.entries()) {
        if (size.some((n) => conv3dOutSize(n, kernel, stride, padding) < 1)) continue;
        for (const [pair, [inChannels, outChannels]] of channelPairs.entries()) {
          const c: Case = { batch: 1 + ((index + pair) % 3), inChannels, outChannels, size, kernel, stride, padding, bias: pair % 2 === 0 };
          expect(await check(c, (seed += 7)), JSON.stringify(c)).toBeLessThan(1e-5);
          if (kernel === 3 && stride === 1 && padding === 1) {
            expect(await check(c, seed, undefined, rt(), 'f32', 'winograd'), `winograd ${JSON.stringify(c)}`).toBeLessThan(1e-5);
            expect(await check(c, seed, undefined, rt(), 'f32', 'direct'), `direct ${JSON.stringify(c)}`).toBeLessThan(1e-5);
          }
        }
      }
    });
  }

  it('covers many output tiles and channel groups', async () => {
    const c: Case = { batch: 2, inChannels: 7, outChannels: 21, size: [9, 10, 13], kernel: 3, stride: 1, padding: 1, bias: true };
    expect(await check(c, 5, undefined, rt(), 'f32', 'winograd')).toBeLessThan(1e-5);
    expect(await check(c, 5, undefined, rt(), 'f32', 'direct')).toBeLessThan(1e-5);
  });

  describe('published layer sizes (8 output channels checked over the full volume)', () => {
    const real: [string, Case][] = [
      ['512->512 on 8x8x8', { batch: 1, inChannels: 512, outChannels: 512, size: [8, 8, 8], kernel: 3, stride: 1, padding: 1, bias: true }],
      ['512->512 on 8x8x4', { batch: 1, inChannels: 512, outChannels: 512, size: [8, 8, 4], kernel: 3, stride: 1, padding: 1, bias: true }],
      ['1024->512 on 8x8x8', { batch: 1, inChannels: 1024, outChannels: 512, size: [8, 8, 8], kernel: 3, stride: 1, padding: 1, bias: true }],
      ['4->512 on 8x8x4', { batch: 1, inChannels: 4, outChannels: 512, size: [8, 8, 4], kernel: 3, stride: 1, padding: 1, bias: true }],
      ['1024->1024 on 4x4x2', { batch: 1, inChannels: 1024, outChannels: 1024, size: [4, 4, 2], kernel: 3, stride: 1, padding: 1, bias: true }],
    ];
    for (const [name, c] of real) {
      it(name, async () => {
        const channels = [0, 1, 7, 8, 255, 256, 400, c.outChannels - 1];
        const winograd = await check(c, 11, channels, rt(), 'f32', 'winograd');
        const direct = await check(c, 11, channels, rt(), 'f32', 'direct');
        console.log(`${name}: error against float64, winograd ${winograd.toExponential(2)}, direct ${direct.toExponential(2)}`);
        expect(winograd).toBeLessThan(1e-5);
        expect(direct).toBeLessThan(1e-5);
      });
    }
  });

  // Outputs at most 2 voxels wide run as segments of 2 rows x 2 voxels (TWO_ROWS),
  // with one segment per invocation when there are few (SEG = 1).
  it('covers rows of 1 or 2 voxels, odd row counts and small layers, with and without subgroups', async () => {
    let seed = 1900;
    const shapes: [[number, number, number], number][] = [[[3, 5, 2], 1], [[2, 3, 1], 1], [[4, 6, 4], 0], [[5, 4, 3], 0], [[1, 2, 2], 1]];
    for (const runtime of [rt(), withoutSubgroups(rt())]) {
      for (const [size, padding] of shapes) {
        for (const batch of [1, 3]) {
          const c: Case = { batch, inChannels: 5, outChannels: 11, size, kernel: 3, stride: 1, padding, bias: true };
          expect(await check(c, (seed += 7), undefined, runtime, 'f32', 'direct'), JSON.stringify(c)).toBeLessThan(1e-5);
        }
      }
    }
  });

  it('matches with the plain weight loader (no subgroups)', async () => {
    const plain = withoutSubgroups(rt());
    let seed = 900;
    for (const [kernel, stride, padding] of [[3, 1, 1], [3, 2, 1], [1, 1, 0], [3, 1, 0]]) {
      const c: Case = { batch: 2, inChannels: 5, outChannels: 17, size: [5, 7, 3], kernel, stride, padding, bias: kernel === 3 };
      expect(await check(c, (seed += 7), undefined, plain, 'f32', 'direct'), JSON.stringify(c)).toBeLessThan(1e-5);
    }
  });

  // f16 rounds inputs and weights (relative 2^-11 at most); sums stay f32. The
  // lower bound shows the values really went through f16.
  it('stores weights and padded input as f16 with f32 sums, with and without subgroups', async () => {
    let seed = 1300;
    for (const runtime of [rt(), withoutSubgroups(rt())]) {
      for (const [kernel, stride, padding] of [[3, 1, 1], [3, 2, 1], [1, 1, 0], [2, 1, 0]]) {
        const c: Case = { batch: 2, inChannels: 9, outChannels: 17, size: [5, 7, 6], kernel, stride, padding, bias: true };
        const err = await check(c, (seed += 7), undefined, runtime, 'f16', 'direct');
        expect(err, JSON.stringify(c)).toBeLessThan(1e-3);
        expect(err, JSON.stringify(c)).toBeGreaterThan(1e-5);
      }
    }
    const published: Case = { batch: 1, inChannels: 512, outChannels: 512, size: [8, 8, 4], kernel: 3, stride: 1, padding: 1, bias: true };
    expect(await check(published, 1400, [0, 9, 511], rt(), 'f16', 'direct')).toBeLessThan(1e-3);
  });

  it('runs a batch whose padded input exceeds one binding in chunks', async () => {
    // One padded sample (5 channels of 7x9x8 floats) fits 16 KiB, two do not.
    const small = withBindingLimit(rt(), 16384);
    const c: Case = { batch: 3, inChannels: 5, outChannels: 3, size: [5, 7, 3], kernel: 3, stride: 1, padding: 1, bias: true };
    expect(await check(c, 77, undefined, small, 'f32', 'direct')).toBeLessThan(1e-5);
  });

  // Winograd F(2x2x2, 3x3x3): every stride-1 pad-1 3x3x3 layer unless forced direct.
  describe('Winograd', () => {
    it('random shapes: odd sizes (partial tiles), batches, channel counts not multiples of 4 or 8, with and without subgroups', async () => {
      let seed = 3000;
      let next = 1;
      const random = (n: number) => {
        next = (next * 1103515245 + 12345) % 2 ** 31;
        return 1 + (next % n);
      };
      for (const runtime of [rt(), withoutSubgroups(rt())]) {
        for (let trial = 0; trial < 8; trial++) {
          const c: Case = {
            batch: random(3),
            inChannels: random(13),
            outChannels: random(19),
            size: [random(7), random(7), random(7)],
            kernel: 3,
            stride: 1,
            padding: 1,
            bias: trial % 2 === 0,
          };
          expect(await check(c, (seed += 7), undefined, runtime, 'f32', 'winograd'), JSON.stringify(c)).toBeLessThan(1e-5);
        }
      }
    });

    it('GEMM blocks of 4 and of 8 rows, and rows past the last block, in the CPU and the GPU tiling', async () => {
      let seed = 3100;
      for (const runtime of [rt(), asGpuAdapter(rt()), withoutSubgroups(asGpuAdapter(rt()))]) {
        // Tiles x batch: 1, 4, 5, 9 and 27 rows.
        for (const [batch, size] of [[1, [1, 1, 1]], [1, [4, 3, 2]], [5, [2, 2, 2]], [1, [5, 6, 2]], [3, [6, 5, 1]]] as const) {
          const c: Case = { batch, inChannels: 6, outChannels: 9, size: [...size], kernel: 3, stride: 1, padding: 1, bias: true };
          expect(await check(c, (seed += 7), undefined, runtime, 'f32', 'winograd'), JSON.stringify(c)).toBeLessThan(1e-5);
        }
      }
      // The GPU tiling's 32 x 64 tiles and 16-value K stages, partly filled; f16 weights.
      const gpu = asGpuAdapter(rt());
      const wide: Case = { batch: 2, inChannels: 37, outChannels: 70, size: [7, 9, 6], kernel: 3, stride: 1, padding: 1, bias: true };
      expect(await check(wide, 3150, undefined, gpu, 'f32', 'winograd')).toBeLessThan(1e-5);
      const err = await check(wide, 3151, undefined, gpu, 'f16', 'winograd');
      expect(err).toBeLessThan(1e-3);
      expect(err).toBeGreaterThan(1e-5);
    });

    it('splits weights and batches that exceed one binding', async () => {
      // One component of 11 -> 7 channel weights is 12 x 8 slots (384 B), so 10 KiB
      // hold 26 of the 64; a tile's transform is 64 x 12 x 4 B = 3 KiB, so the 6
      // tiles of 3 samples of 2x3x2 run in chunks of 3, one across two samples.
      const small = withBindingLimit(rt(), 10 * 1024);
      const w = prepareConv3d(small, { shape: [7, 11, 3, 3, 3], data: new Float32Array(7 * 11 * 27) }, undefined, 'f32', 'winograd');
      if (w.path !== 'winograd') throw new Error('prepared for the direct kernel');
      expect(w.winograd.parts.map((t) => t.shape[0])).toEqual([26, 26, 12]);
      rt().release(...w.winograd.parts);
      const c: Case = { batch: 3, inChannels: 11, outChannels: 7, size: [2, 3, 2], kernel: 3, stride: 1, padding: 1, bias: true };
      expect(await check(c, 3200, undefined, small, 'f32', 'winograd')).toBeLessThan(1e-5);
    });

    it('stores transformed weights as f16 with f32 sums', async () => {
      const c: Case = { batch: 2, inChannels: 9, outChannels: 17, size: [5, 7, 6], kernel: 3, stride: 1, padding: 1, bias: true };
      const err = await check(c, 3300, undefined, rt(), 'f16', 'winograd');
      expect(err).toBeLessThan(1e-3);
      expect(err).toBeGreaterThan(1e-5);
      const published: Case = { batch: 1, inChannels: 512, outChannels: 512, size: [8, 8, 4], kernel: 3, stride: 1, padding: 1, bias: true };
      expect(await check(published, 3301, [0, 9, 511], rt(), 'f16', 'winograd')).toBeLessThan(1e-3);
    });
  });

  it('writes into a given output tensor, on the direct kernel and the GEMM', async () => {
    for (const path of ['direct', 'gemm'] as const) {
      const w = prepareConv3d(rt(), { shape: [3, 2, 1, 1, 1], data: new Float32Array([1, 2, 3, 4, 5, 6]) }, undefined, 'f32', path);
      const out = await runOnce(rt(), (g) => {
        const y = g.tensor([1, 3, 1, 1, 2]);
        expect(conv3d(g, rt().upload(new Float32Array([1, 10, 100, 1000]), [1, 2, 1, 1, 2]), w, { stride: 1, padding: 0 }, y)).toBe(y);
        return y;
      });
      expect(Array.from(out)).toEqual([201, 2010, 403, 4030, 605, 6050]);
    }
  });

  it('runs pointwise layers on the GEMM core: GPU tiling (split-K), no subgroups, f16, batch > 1', async () => {
    let seed = 3500;
    for (const runtime of [asGpuAdapter(rt()), withoutSubgroups(rt()), rt()]) {
      const c: Case = { batch: 3, inChannels: 37, outChannels: 5, size: [5, 7, 3], kernel: 1, stride: 1, padding: 0, bias: true };
      expect(await check(c, (seed += 7), undefined, runtime, 'f32', 'gemm')).toBeLessThan(1e-5);
      expect(await check(c, (seed += 7), undefined, runtime, 'f16', 'gemm')).toBeLessThan(1e-3);
    }
  });

  it('declares its FLOP and the bytes it cannot avoid moving', () => {
    // 1x1 conv, 2 -> 3 channels on 2 voxels: one GEMM, 2 rows (voxels) x K 4 (2 channels padded) x 8 columns (3 padded).
    const w = prepareConv3d(rt(), { shape: [3, 2, 1, 1, 1], data: new Float32Array(6) }, { shape: [3], data: new Float32Array(3) }, 'f32', 'gemm');
    const g = new Graph(rt());
    conv3d(g, rt().upload(new Float32Array(4), [1, 2, 1, 1, 2]), w, { stride: 1, padding: 0 });
    const signature = 'conv3d 2->3 k1 s1 -> 1x1x2 (B=1)';
    expect(g.dispatches.map((d) => d.work)).toEqual([
      // x 16 B in, A 2 x 4 out.
      { signature, bytes: 16 + 32 },
      // A and C (2 x 8) in and out, W 4 x 8.
      { signature, bytes: 32 + 64 + 128, flops: 2 * 2 * 3 * 2 },
      // C in, bias 12 B, y 24 B.
      { signature, bytes: 64 + 12 + 24 },
    ]);
    // 3x3x3, padding 1 on 1x1x2: a padding pass (x in, padded copy out), then the core (padded copy in).
    const w3 = prepareConv3d(rt(), { shape: [3, 2, 3, 3, 3], data: new Float32Array(162) });
    const g3 = new Graph(rt());
    conv3d(g3, rt().upload(new Float32Array(4), [1, 2, 1, 1, 2]), w3, { stride: 1, padding: 1 });
    const [pad, core] = g3.dispatches.map((d) => d.work);
    const padded = Number(pad.signature.match(/-> \[([\d,]+)\]/)![1].split(',').reduce((a, b) => a * Number(b), 1)) * 4;
    expect(pad.bytes).toBe(16 + padded);
    expect(core.bytes).toBe(padded + 2 * 27 * 8 * 4 + 24);
    g.dispose();
    g3.dispose();
    if (w.path !== 'gemm' || w3.path !== 'direct') throw new Error('prepared for another kernel');
    rt().release(w.gemm.weight, w.bias!, w3.weight);
  });

  it('rejects inputs that do not fit the weights', () => {
    const weights = rt().scope();
    const w = prepareConv3d(weights, { shape: [4, 3, 3, 3, 3], data: new Float32Array(4 * 3 * 27) });
    const x = rt().tensor([1, 5, 4, 4, 4]);
    const g = new Graph(rt());
    expect(() => conv3d(g, x, w, { stride: 1, padding: 1 })).toThrow(/conv3d: input \[1,5,4,4,4\].*expected \(B, 3, D, H, W\)/);
    expect(() => conv3d(g, rt().tensor([1, 3, 1, 4, 4]), w, { stride: 1, padding: 0 })).toThrow(/output would be empty/);
    expect(() => prepareConv3d(rt(), { shape: [4, 3, 3, 3], data: new Float32Array(4 * 3 * 9) })).toThrow(/conv3d: weight must be/);
    rt().release(x);
    weights.dispose();
  });
});
