import { describe, expect, it } from 'vitest';
import { GpuError } from '../../src/errors.js';
import { useRuntime } from '../helpers/gpu.js';
import { randomArray } from '../helpers/numeric.js';

const rt = useRuntime();

describe('Runtime', () => {
  it('uploads and downloads f32 and f16 tensors of odd sizes', async () => {
    const x = randomArray(37, 1);
    const a = rt().upload(x, [37]);
    const h = rt().upload(x, [37], 'f16');
    expect(Array.from(await rt().download(a))).toEqual(Array.from(x));
    const back = await rt().download(h);
    expect(back.length).toBe(37);
    back.forEach((v, i) => expect(Math.abs(v - x[i])).toBeLessThanOrEqual(Math.abs(x[i]) * 2 ** -11));
    rt().release(a, h);
  });

  it('copies elements between tensors on the GPU', async () => {
    const src = rt().upload(Float32Array.from([1, 2, 3, 4, 5]), [5]);
    const dst = rt().upload(new Float32Array(4), [4]);
    rt().copy(src, 1, dst, 2, 2);
    expect(Array.from(await rt().download(dst))).toEqual([0, 0, 2, 3]);
    rt().release(src, dst);
  });

  it('counts every buffer it hands out until it is released, and the peak', () => {
    const before = rt().memoryStats();
    const t = rt().tensor([100]); // 400 B, a 512 B pool buffer
    const u = rt().buffer({ size: 16, usage: 0x40 | 0x8 });
    const mid = rt().memoryStats();
    expect(mid.liveBytes - before.liveBytes).toBe(512 + 16);
    expect(mid.liveBuffers - before.liveBuffers).toBe(2);
    expect(mid.peakBytes).toBeGreaterThanOrEqual(mid.liveBytes);
    rt().release(t, u);
    const after = rt().memoryStats();
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.liveBuffers).toBe(before.liveBuffers);
    expect(after.pooledBytes).toBeGreaterThanOrEqual(512);
    rt().trim();
    expect(rt().memoryStats().pooledBytes).toBe(0);
  });

  it('refuses to release a tensor twice (the pool would hand its buffer out twice)', () => {
    const t = rt().tensor([4]);
    rt().release(t);
    expect(() => rt().release(t)).toThrow(/release: tensor \[4\] is not live \(freed twice\?\)/);
    expect(() => rt().release(t.view([2, 2]))).toThrow(/not live/);
  });

  it('names the tensor and the limit when a tensor is over the binding size', () => {
    const max = rt().limits.maxStorageBufferBindingSize;
    const big = [Math.floor(max / 4) + 1];
    expect(() => rt().tensor(big)).toThrow(GpuError);
    expect(() => rt().tensor(big)).toThrow(/maxStorageBufferBindingSize.*use a smaller batch/);
  });
});

describe('Scope', () => {
  it('frees what it and its children own, once', () => {
    const before = rt().memoryStats().liveBytes;
    const scope = rt().scope();
    scope.upload(new Float32Array(64), [64]);
    const child = scope.child();
    child.tensor([1000]);
    child.buffer({ size: 32, usage: 0x40 | 0x8 });
    expect(rt().memoryStats().liveBytes).toBeGreaterThan(before);
    scope.dispose();
    scope.dispose();
    child.dispose();
    expect(rt().memoryStats().liveBytes).toBe(before);
    expect(() => scope.tensor([1])).toThrow(/disposed scope/);
    expect(() => child.child()).toThrow(/disposed scope/);
  });

  it('lets a child go early without its parent freeing it again', () => {
    const before = rt().memoryStats().liveBytes;
    const scope = rt().scope();
    const child = scope.child();
    child.tensor([10]);
    child.dispose();
    scope.tensor([10]);
    scope.dispose();
    expect(rt().memoryStats().liveBytes).toBe(before);
  });
});
