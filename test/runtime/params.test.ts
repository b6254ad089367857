import { describe, expect, it } from 'vitest';
import { Params } from '../../src/runtime/params.js';

describe('Params', () => {
  it('packs u32, i32 and f32 words in call order, padded to 16 bytes', () => {
    const bytes = new Params().u32(7, 0xffffffff).i32(-3).f32(0.5, -1.25).bytes();
    expect(bytes.byteLength).toBe(32);
    const u = new Uint32Array(bytes);
    expect(u[0]).toBe(7);
    expect(u[1]).toBe(0xffffffff);
    expect(new Int32Array(bytes)[2]).toBe(-3);
    expect(Array.from(new Float32Array(bytes).subarray(3, 5))).toEqual([0.5, -1.25]);
    expect(Array.from(u.subarray(5))).toEqual([0, 0, 0]);
  });

  it('gives an empty struct one 16-byte row, and a full row no padding', () => {
    expect(new Params().bytes().byteLength).toBe(16);
    expect(new Params().u32(1, 2, 3, 4).bytes().byteLength).toBe(16);
  });

  it('refuses u32 values that do not fit', () => {
    expect(() => new Params().u32(-1)).toThrow(/u32 parameter out of range: -1/);
    expect(() => new Params().u32(2 ** 32)).toThrow(/out of range/);
    expect(() => new Params().u32(1.5)).toThrow(/out of range/);
  });
});
