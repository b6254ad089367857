import { describe, expect, it } from 'vitest';
import { declaredKernels } from '../../src/kernel/kernel.js';
import { batchedGemm, describeSubgroupMatrices, subgroupMatrixConfig } from '../../src/ops/gemm.js';
import { checkSubgroupMatrixGemms } from '../../src/ops/subgroup-matrix-check.js';
import { F16_BARS } from '../../src/parity-bars.js';
import { Graph, type DType, type Runtime, type SubgroupMatrixConfig } from '../../src/runtime/index.js';
import { fromHalfBits, toHalfBits } from '../../src/runtime/half.js';
import { runOnce, useRuntime } from '../helpers/gpu.js';
import { randomArray, relErr } from '../helpers/numeric.js';
import { asGpuAdapter } from '../reference/conv.js';
import { batchedGemmRef, withSubgroupMatrixConfigs, withSubgroupMatrixFeature } from '../reference/gemm.js';

const shape = (componentType: string, M: number, N: number, K: number, resultComponentType = 'f32'): SubgroupMatrixConfig => ({
  componentType,
  resultComponentType,
  M,
  N,
  K,
});

const roundToHalf = (x: Float32Array) => fromHalfBits(toHalfBits(x));

// The subgroup-matrix tiling on the emulated builtins: the real builtins run
// only where an adapter has chromium-experimental-subgroup-matrix (bench/gpu-check.sh).
describe('batched GEMM on subgroup matrices (emulated)', () => {
  const rt = useRuntime();

  it('takes the first shape whose inputs are B\'s storage type, with f32 results and whole vec4s of K and N', () => {
    const configs = [shape('i8', 8, 8, 32, 'i32'), shape('f16', 8, 8, 8, 'f16'), shape('f16', 16, 16, 6), shape('f16', 8, 16, 16), shape('f32', 8, 8, 8)];
    const listed = withSubgroupMatrixConfigs(rt(), configs);
    expect(rt().device.features.has('shader-f16')).toBe(true);
    expect(subgroupMatrixConfig(listed, 'f16')).toEqual(shape('f16', 8, 16, 16));
    expect(subgroupMatrixConfig(listed, 'f32')).toEqual(shape('f32', 8, 8, 8));
    expect(subgroupMatrixConfig(withSubgroupMatrixConfigs(rt(), [shape('f16', 16, 16, 16)]), 'f32')).toBeUndefined();
    // lavapipe has no subgroup matrices: without listed shapes the GEMM keeps its other tilings.
    expect(rt().subgroupMatrixConfigs).toEqual([]);
    expect(subgroupMatrixConfig(rt(), 'f16')).toBeUndefined();
    expect(describeSubgroupMatrices(rt())).toBe('no subgroup matrices');
    expect(describeSubgroupMatrices(withSubgroupMatrixConfigs(rt(), [shape('f16', 8, 8, 8, 'f16'), shape('f16', 16, 16, 16)]))).toBe(
      'subgroup matrices f16 8x8x8 -> f16, f16 16x16x16 -> f32 (f16 GEMMs on 16x16x16)',
    );
  });

  /** C[first..first+count) of random A and B through batchedGemm on `runtime`, with the float64 references of the inputs as given and as the kernel rounds them. */
  async function run(runtime: Runtime, dtype: DType, rows: number, depth: number, cols: number, first: number, count: number, seed: number) {
    const aData = randomArray((first + count) * rows * depth, seed);
    const bData = randomArray(count * depth * cols, seed + 1, 1 / Math.sqrt(depth));
    const a = runtime.upload(aData, [aData.length]);
    const b = runtime.upload(bData, [bData.length], dtype);
    const out = await runOnce(runtime, (g) => {
      const c = g.tensor([(first + count) * rows * cols]);
      batchedGemm(g, 'gemm test', { signature: 'gemm test', bytes: 0 }, a, b, c, { rows, depth, cols }, first, count);
      return c;
    });
    runtime.release(a, b);
    const round = dtype === 'f16' ? roundToHalf : (x: Float32Array) => x;
    const computed = out.subarray(first * rows * cols);
    const ownA = aData.subarray(first * rows * depth);
    return {
      exact: relErr(computed, batchedGemmRef(ownA, bData, count, rows, depth, cols)),
      rounded: relErr(computed, batchedGemmRef(round(ownA), round(bData), count, rows, depth, cols)),
    };
  }

  const CASES = [
    [37, 20, 24, 1, 3],
    [5, 4, 8, 0, 1],
    [64, 36, 40, 2, 2],
  ] as const;

  // llvmpipe takes 20-60 s (on a loaded 2-core VM) to compile each emulated
  // kernel the first time, for the private matrices; Mesa's shader cache
  // keeps them after. So each test compiles one.
  const COMPILE_MS = 600_000;

  async function checkF16(runtime: Runtime, seed: number) {
    const { M, N, K } = runtime.subgroupMatrixConfigs[0]!;
    for (const [rows, depth, cols, first, count] of CASES) {
      const r = await run(runtime, 'f16', rows, depth, cols, first, count, (seed += 3));
      const what = `${M}x${N}x${K}, ${rows}x${depth}x${cols}`;
      // The kernel's own rounding of A and B to f16 and f32 sums: only the sums' order differs.
      expect(r.rounded, what).toBeLessThan(1e-6);
      // Against the inputs as given: within the f16 bar, and visibly rounded.
      expect(r.exact, what).toBeLessThan(F16_BARS.unet);
      expect(r.exact, what).toBeGreaterThan(1e-5);
    }
  }

  it('f16 B on Intel\'s shape (M != N): odd rows, partial K stages and column tiles, a batch from a first matrix', () =>
    checkF16(withSubgroupMatrixConfigs(rt(), [shape('f16', 8, 16, 16)]), 10), COMPILE_MS);

  it('f16 B in the 32-lane workgroups of a GPU', () => checkF16(withSubgroupMatrixConfigs(asGpuAdapter(rt()), [shape('f16', 8, 8, 8)]), 20), COMPILE_MS);

  it('f32 B on an f32 shape keeps f32 results', async () => {
    const runtime = withSubgroupMatrixConfigs(rt(), [shape('f32', 8, 8, 8)]);
    for (const [rows, depth, cols, first, count] of CASES) {
      const r = await run(runtime, 'f32', rows, depth, cols, first, count, 40 + rows);
      expect(r.exact, `${rows}x${depth}x${cols}`).toBeLessThan(1e-6);
    }
  }, COMPILE_MS);

  it('declares the kernel of the chosen shape on first use, one workgroup per 2 x 2 result matrices', () => {
    const runtime = withSubgroupMatrixConfigs(rt(), [shape('f16', 8, 16, 16)]);
    const g = new Graph(runtime);
    const a = g.tensor([2 * 17 * 8]);
    const b = g.tensor([2 * 8 * 40], 'f16');
    const c = g.tensor([2 * 17 * 40]);
    batchedGemm(g, 'gemm test', { signature: 'gemm test', bytes: 0 }, a, b, c, { rows: 17, depth: 8, cols: 40 }, 0, 2);
    expect(declaredKernels().map((k) => k.shader.name)).toContain('gemm subgroup matrix f16 8x16x16 f16 emulated');
    // 40 columns in 32-column tiles, 17 rows in 16-row tiles (the other tilings' tiles differ).
    expect(g.dispatches.map((d) => d.workgroups)).toEqual([[2, 2, 2]]);
    // K = 40 in stages of 16 on these 8 tiles: 3 slices (split-K, as on the other GPU tiling), then their sum.
    const split = new Graph(runtime);
    const a40 = split.tensor([2 * 17 * 40]);
    const b40 = split.tensor([2 * 40 * 40], 'f16');
    batchedGemm(split, 'gemm test', { signature: 'gemm test', bytes: 0 }, a40, b40, c, { rows: 17, depth: 40, cols: 40 }, 0, 2);
    expect(split.dispatches.map((d) => d.label)).toEqual(['gemm test split-K', 'gemm test split-K reduce']);
    expect(split.dispatches[0].workgroups).toEqual([2, 2, 6]);
    split.dispose();
    g.dispose();
  });

  it('the check before a model loads keeps a shape whose GEMM meets its bar on the device', async () => {
    const runtime = withSubgroupMatrixConfigs(rt(), [shape('f16', 8, 16, 16)]);
    expect(await checkSubgroupMatrixGemms(runtime)).toEqual([]);
    expect(subgroupMatrixConfig(runtime, 'f16')).toEqual(shape('f16', 8, 16, 16));
  }, COMPILE_MS);

  it('the check refuses a shape whose kernel does not run, once per runtime, and the GEMMs fall back', async () => {
    // The real builtins: lavapipe has no subgroup matrices, so the kernel fails to compile.
    const runtime = withSubgroupMatrixFeature(rt(), [shape('f16', 8, 8, 8)]);
    const refused = await checkSubgroupMatrixGemms(runtime);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatch(/^subgroup-matrix GEMM f16 8x8x8 -> f32 refused \(it does not run: .+\); f16 GEMMs run on workgroup tiles$/);
    expect(subgroupMatrixConfig(runtime, 'f16')).toBeUndefined();
    expect(describeSubgroupMatrices(runtime)).toMatch(/^subgroup matrices f16 8x8x8 -> f32 \(none used\); f16 8x8x8 -> f32 refused: it does not run: /);
    expect(await checkSubgroupMatrixGemms(runtime)).toEqual([]);
  });
});
