import { describe, expect, it } from 'vitest';
import { grid, MAX_WORKGROUPS_PER_DIMENSION } from '../../src/kernel/kernel.js';
import { packUniforms, uniformBytes } from '../../src/kernel/uniform-layout.js';
import { composeShader } from '../../src/kernel/wgsl-source.js';

describe('uniform layout', () => {
  it('derives WGSL offsets: vec3 + scalar share 16 bytes, vec2 aligns to 8, arrays and structs to 16', () => {
    const item = { struct: 'Item', fields: { a: 'vec3i', b: 'i32', c: 'vec2f' } } as const;
    const fields = { n: 'u32', v: 'vec2u', s: 'f32', items: { array: item, length: 2 } } as const;
    // n @0, v @8, s @16, items @32 with stride 32 (Item: a @0, b @12, c @16, size 32).
    expect(uniformBytes(fields)).toBe(96);
    const bytes = packUniforms('probe', fields, { n: 7, v: [1, 2], s: 0.5, items: [{ a: [-1, 2, -3], b: 4, c: [0.25, 8] }] });
    const u = new Uint32Array(bytes);
    const i = new Int32Array(bytes);
    const f = new Float32Array(bytes);
    expect([u[0], u[2], u[3], f[4]]).toEqual([7, 1, 2, 0.5]);
    expect([i[8], i[9], i[10], i[11], f[12], f[13]]).toEqual([-1, 2, -3, 4, 0.25, 8]);
    // The second item was not given: zero.
    expect(Array.from(u.subarray(16))).toEqual(new Array(8).fill(0));
  });

  it('pads a struct to 16 bytes', () => {
    expect(uniformBytes({ n: 'u32' })).toBe(16);
    expect(uniformBytes({ a: 'u32', b: 'u32', c: 'u32', d: 'u32', e: 'f32' })).toBe(32);
  });

  it('refuses values that do not fit their types, naming the kernel and field', () => {
    const fields = { n: 'u32', k: 'i32', v: 'vec2f' } as const;
    expect(() => packUniforms('probe', fields, { n: -1, k: 0, v: [0, 0] })).toThrow(/probe\.n: -1 is not a u32/);
    expect(() => packUniforms('probe', fields, { n: 2 ** 32, k: 0, v: [0, 0] })).toThrow(/is not a u32/);
    expect(() => packUniforms('probe', fields, { n: 0, k: 1.5, v: [0, 0] })).toThrow(/probe\.k: 1.5 is not a i32/);
    expect(() => packUniforms('probe', fields, { n: 0, k: 0, v: [0] })).toThrow(/probe\.v: vec2f wants 2 numbers/);
    expect(() => packUniforms('probe', { a: { array: 'vec4u', length: 1 } } as const, { a: [[1, 2, 3, 4], [5, 6, 7, 8]] })).toThrow(
      /at most 1 elements/,
    );
  });

  it('refuses arrays whose stride WGSL forbids in a uniform', () => {
    expect(() => uniformBytes({ a: { array: 'u32', length: 4 } })).toThrow(/stride 4 is not a multiple of 16/);
  });
});

describe('dispatch sizes', () => {
  it('grid folds workgroups past the per-dimension limit into y', () => {
    expect(grid(256 * MAX_WORKGROUPS_PER_DIMENSION, 256)).toEqual([MAX_WORKGROUPS_PER_DIMENSION, 1, 1]);
    const [x, y] = grid(256 * MAX_WORKGROUPS_PER_DIMENSION + 1, 256);
    expect(x).toBeLessThanOrEqual(MAX_WORKGROUPS_PER_DIMENSION);
    expect(x * y * 256).toBeGreaterThan(256 * MAX_WORKGROUPS_PER_DIMENSION);
  });
});

describe('shader composition', () => {
  const shader = composeShader('probe', [
    { file: 'shaders/a.wgsl', code: '// a\nconst A = 1u;\n' },
    { file: 'shaders/b.wgsl', code: '// b\nenable subgroups;\nconst B = 2u;\n' },
  ]);

  it('lifts directives to the top, once, keeping every part line where it was', () => {
    expect(shader.code.split('\n')).toEqual(['enable subgroups;', '// a', 'const A = 1u;', '// b', '', 'const B = 2u;', '']);
  });

  it('maps every composed line back to its file and line', () => {
    expect([1, 2, 3, 4, 5, 6].map((l) => shader.locate(l))).toEqual([
      'shaders/b.wgsl:2',
      'shaders/a.wgsl:1',
      'shaders/a.wgsl:2',
      'shaders/b.wgsl:1',
      'shaders/b.wgsl:2',
      'shaders/b.wgsl:3',
    ]);
  });
});
