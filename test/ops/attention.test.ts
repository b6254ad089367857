import { describe, expect, it } from 'vitest';
import { attention } from '../../src/ops/attention.js';
import { Graph } from '../../src/runtime/index.js';
import { useRuntime, runOnce } from '../helpers/gpu.js';
import { randomArray, relErr } from '../helpers/numeric.js';
import { attentionRef } from '../reference/attention.js';

describe('attention', () => {
  const rt = useRuntime();

  /** Compares every query row, or every `stride`-th one for the large cases. */
  async function check(shape: [number, number, number, number], qkScale: number, stride = 1) {
    const [batch, heads, len, dim] = shape;
    const n = batch * heads * len * dim;
    const q = randomArray(n, len + dim, qkScale);
    const k = randomArray(n, len + dim + 1, qkScale);
    const v = randomArray(n, len + dim + 2);
    const out = await runOnce(rt(), (g) =>
      attention(g, rt().upload(q, shape), rt().upload(k, shape), rt().upload(v, shape)),
    );
    const queries = Array.from({ length: Math.ceil(len / stride) }, (_, i) => i * stride);
    const picked = new Float32Array(batch * heads * queries.length * dim);
    let o = 0;
    for (let h = 0; h < batch * heads; h++) {
      for (const i of queries) picked.set(out.subarray((h * len + i) * dim, (h * len + i + 1) * dim), (o++) * dim);
    }
    return relErr(picked, attentionRef(q, k, v, batch * heads, len, dim, queries));
  }

  it('odd lengths and head dimensions, batch > 1', async () => {
    expect(await check([2, 3, 37, 32], 1)).toBeLessThan(1e-5);
    expect(await check([3, 1, 5, 7], 1)).toBeLessThan(1e-5);
    expect(await check([1, 2, 65, 64], 1)).toBeLessThan(1e-5);
  });

  it('L = 512 (8x8x8 voxels) with d = 64 and d = 32', async () => {
    expect(await check([1, 2, 512, 64], 1, 7)).toBeLessThan(1e-5);
    expect(await check([2, 2, 512, 32], 1, 11)).toBeLessThan(1e-5);
  });

  // Logits reach the hundreds, far past exp's float32 range without the max
  // subtraction; what error remains (~4e-6) is float32 rounding of the logits
  // themselves, which moves the softmax weights of near-tied keys.
  it('stays finite and accurate with huge logits (q and k scaled by 30)', async () => {
    expect(await check([2, 2, 512, 32], 30, 5)).toBeLessThan(1e-5);
    expect(await check([1, 3, 77, 64], 30)).toBeLessThan(1e-5);
  });

  it('rejects mismatched shapes and head dimensions over 64', () => {
    const g = new Graph(rt());
    const a = rt().tensor([1, 2, 8, 16]);
    expect(() => attention(g, a, a, rt().tensor([1, 2, 8, 8]))).toThrow(/v \[1,2,8,8\]/);
    const big = rt().tensor([1, 1, 4, 65]);
    expect(() => attention(g, big, big, big)).toThrow(/over 64/);
    expect(() => attention(g, a, a, a, a)).toThrow(/share/);
    g.dispose();
  });
});
