import { describe, expect, it } from 'vitest';
import { batchedGemm, GPU_WORKGROUP_TARGET, splitKSlices, type GemmShape } from '../../src/ops/gemm.js';
import { type DType, type Runtime } from '../../src/runtime/index.js';
import { runOnce, useRuntime } from '../helpers/gpu.js';
import { randomArray, relErr } from '../helpers/numeric.js';
import { asGpuAdapter, withoutSubgroups } from '../reference/conv.js';
import { batchedGemmRef } from '../reference/gemm.js';

describe('batched GEMM core', () => {
  const rt = useRuntime();

  /** C[z] for z in [first, first + count) of `matrices`, against float64. */
  async function check(runtime: Runtime, shape: GemmShape, matrices: number, first: number, count: number, dtype: DType = 'f32') {
    const { rows, depth, cols } = shape;
    const seed = rows * 31 + depth * 7 + cols + first;
    const a = randomArray(matrices * rows * depth, seed);
    const b = randomArray(count * depth * cols, seed + 1, 1 / Math.sqrt(depth));
    const bTensor = runtime.upload(b, [count, depth, cols], dtype);
    const out = await runOnce(runtime, (g) => {
      const c = g.tensor([matrices, rows, cols]);
      batchedGemm(g, 'gemm test', { signature: 'gemm test', bytes: 0 }, runtime.upload(a, [matrices, rows, depth]), bTensor, c, shape, first, count);
      return c;
    });
    runtime.release(bTensor);
    const ref = batchedGemmRef(a.subarray(first * rows * depth), b, count, rows, depth, cols);
    return relErr(out.subarray(first * rows * cols, (first + count) * rows * cols), ref);
  }

  const shapes: [GemmShape, number, number, number][] = [
    [{ rows: 1, depth: 4, cols: 8 }, 1, 0, 1],
    [{ rows: 3, depth: 20, cols: 24 }, 3, 1, 2],
    [{ rows: 37, depth: 68, cols: 72 }, 2, 0, 2],
    [{ rows: 5, depth: 1028, cols: 40 }, 4, 2, 2],
    [{ rows: 2, depth: 1024, cols: 1024 }, 1, 0, 1],
  ];

  for (const [name, variant] of [
    ['CPU register tiling', (r: Runtime) => r],
    ['CPU register tiling without subgroups', withoutSubgroups],
    ['GPU workgroup tiling (split-K where C is small)', asGpuAdapter],
  ] as const) {
    it(`${name}: odd rows, K and column counts, matrices past the first, f32 and f16`, async () => {
      for (const [shape, matrices, first, count] of shapes) {
        expect(await check(variant(rt()), shape, matrices, first, count), JSON.stringify(shape)).toBeLessThan(1e-6);
        const f16 = await check(variant(rt()), shape, matrices, first, count, 'f16');
        expect(f16, JSON.stringify(shape)).toBeLessThan(1e-3);
      }
    });
  }

  it('splits K only where the C tiles fall short of the occupancy target, each slice a whole stage', () => {
    expect(splitKSlices(GPU_WORKGROUP_TARGET, 256, 4)).toEqual({ slices: 1, sliceKQuads: 256 });
    expect(splitKSlices(1, 3, 4)).toEqual({ slices: 1, sliceKQuads: 3 });
    // A 1024 -> 1024 linear at batch 1: 16 tiles, K = 256 quads.
    const { slices, sliceKQuads } = splitKSlices(16, 256, 4);
    expect(slices * 16).toBeGreaterThanOrEqual(GPU_WORKGROUP_TARGET - 16);
    expect(sliceKQuads % 4).toBe(0);
    expect((slices - 1) * sliceKQuads).toBeLessThan(256);
    // The uneven last slice: 257 quads.
    const uneven = splitKSlices(2, 257, 4);
    expect((uneven.slices - 1) * uneven.sliceKQuads).toBeLessThan(257);
    expect(uneven.slices * uneven.sliceKQuads).toBeGreaterThanOrEqual(257);
    // Stages of 4 quads (a subgroup-matrix K of 16): slices of whole stages.
    expect(splitKSlices(2, 9, 4)).toEqual({ slices: 3, sliceKQuads: 4 });
  });
});
