import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/runtime/buffer-pool.js';

/** A device that only makes buffers, counting the live ones. */
function fakeDevice() {
  const made: { size: number; destroyed: boolean }[] = [];
  const device = {
    createBuffer: ({ size }: GPUBufferDescriptor) => {
      const b = { size, destroyed: false, destroy: () => void (b.destroyed = true) };
      made.push(b);
      return b;
    },
  };
  return { device: device as unknown as GPUDevice, made };
}

describe('BufferPool', () => {
  it('rounds sizes up to 256 bytes and reuses an idle buffer of the same rounded size', () => {
    const { device, made } = fakeDevice();
    const pool = new BufferPool(device);
    const a = pool.acquire(4);
    expect(a.size).toBe(256);
    expect(pool.acquire(257).size).toBe(512);
    pool.release(a);
    expect(pool.idleBytes()).toBe(256);
    expect(pool.acquire(100)).toBe(a);
    expect(pool.idleBytes()).toBe(0);
    expect(made.length).toBe(2);
  });

  it('never hands an idle buffer to a request of another size', () => {
    const { device, made } = fakeDevice();
    const pool = new BufferPool(device);
    pool.release(pool.acquire(1024));
    expect(pool.acquire(512).size).toBe(512);
    expect(made.length).toBe(2);
    expect(pool.idleBytes()).toBe(1024);
  });

  it('trim destroys the idle buffers only', () => {
    const { device, made } = fakeDevice();
    const pool = new BufferPool(device);
    const kept = pool.acquire(256);
    pool.release(pool.acquire(2048));
    pool.trim();
    expect(pool.idleBytes()).toBe(0);
    expect(made.map((b) => b.destroyed)).toEqual([false, true]);
    expect(pool.acquire(256)).not.toBe(kept);
  });
});
