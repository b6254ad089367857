import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { declareKernel, declaredKernels } from '../../src/kernel/kernel.js';
import { composeShader, type Shader, type WgslFile } from '../../src/kernel/wgsl-source.js';
import { batchedGemm } from '../../src/ops/gemm.js';
import { Graph, type Runtime } from '../../src/runtime/index.js';
import { Storage, Tensor } from '../../src/runtime/tensor.js';
import { useRuntime } from '../helpers/gpu.js';
import { withSubgroupMatrixConfigs, withSubgroupMatrixFeature } from '../reference/gemm.js';

const ROOT = join(import.meta.dirname, '..', '..');
const SHADERS = join(ROOT, 'shaders');
// Every module that imports a shader, so that every kernel is declared.
for (const file of readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })) {
  if (file.endsWith('.ts') && readFileSync(join(ROOT, 'src', file), 'utf8').includes(".wgsl'")) await import(join(ROOT, 'src', file));
}

const part = (file: string, code: string): WgslFile => ({ file, code });

/** The subgroup-matrix GEMMs are declared on first use, for a device's shapes: records one on the builtins and one emulated. */
function declareSubgroupMatrixGemms(rt: Runtime): void {
  const shape = [{ componentType: 'f16', resultComponentType: 'f32', M: 8, N: 16, K: 16 }];
  for (const runtime of [withSubgroupMatrixFeature(rt, shape), withSubgroupMatrixConfigs(rt, shape)]) {
    const g = new Graph(runtime);
    batchedGemm(g, 'gemm', { signature: 'gemm', bytes: 0 }, g.tensor([16]), g.tensor([16], 'f16'), g.tensor([16]), { rows: 1, depth: 16, cols: 16 }, 0, 1);
    g.dispose();
  }
}

/** Whether the device can compile `code`: the subgroup-matrix builtins need an adapter with the feature. */
function compilable(rt: Runtime, code: string): boolean {
  return !code.includes('enable chromium_experimental_subgroup_matrix;') || rt.device.features.has('chromium-experimental-subgroup-matrix' as GPUFeatureName);
}

/** A kernel's compositions: its shader and, when it has one, its in-place variant, each with its parts. */
function compositions(k: ReturnType<typeof declaredKernels>[number]): { shader: Shader; parts: readonly WgslFile[] }[] {
  const { parts, inPlace } = k.declaration;
  const single = k.inPlaceShader && inPlace ? [{ shader: k.inPlaceShader, parts: parts.map((p) => (p === inPlace.replace ? inPlace.with : p)) }] : [];
  return [{ shader: k.shader, parts }, ...single];
}

describe('declared kernels', () => {
  const rt = useRuntime();
  beforeAll(() => declareSubgroupMatrixGemms(rt()));

  async function compileErrors(code: string): Promise<string[]> {
    const module = rt().device.createShaderModule({ code });
    const info = await module.getCompilationInfo();
    return info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
  }

  it('every kernel compiles, and every part is valid WGSL with the parts before it', async () => {
    const kernels = declaredKernels();
    expect(kernels.length).toBeGreaterThan(20);
    for (const { shader, parts } of kernels.flatMap(compositions)) {
      if (!compilable(rt(), shader.code)) continue;
      expect(await compileErrors(shader.code), shader.name).toEqual([]);
      for (let n = 1; n < parts.length; n++) {
        const prefix = composeShader(`${shader.name} prefix`, parts.slice(0, n));
        expect(await compileErrors(prefix.code), `${shader.name}: ${parts[n - 1].file} with the parts before it`).toEqual([]);
      }
    }
  });

  it('every shader file belongs to a declared kernel', () => {
    const used = new Set(declaredKernels().flatMap((k) => compositions(k).flatMap((c) => c.parts.map((p) => p.file))));
    const files = readdirSync(SHADERS).filter((f) => f.endsWith('.wgsl')).map((f) => `shaders/${f}`);
    expect(files.filter((f) => !used.has(f))).toEqual([]);
  });

  it('checks every dispatch against the per-dimension workgroup limit, in one place', () => {
    const kernel = declareKernel({
      name: 'test limit kernel',
      parts: [part('shaders/limit.wgsl', '@group(0) @binding(0) var<storage, read_write> y: array<f32>;\n@compute @workgroup_size(1)\nfn main() { y[0] = 1.0; }\n')],
      storage: { y: 'read_write' },
    });
    const g = new Graph(rt());
    const y = g.tensor([1]);
    const record = (workgroups: [number, number, number]) => () =>
      kernel.dispatch(g, { label: 'limit probe', work: { signature: 'limit', bytes: 4 }, uniforms: {}, storage: { y }, workgroups });
    expect(record([65535, 1, 1])).not.toThrow();
    expect(record([1, 65536, 1])).toThrow(/limit probe: workgroups \[1,65536,1\] exceed 65535 per dimension/);
    g.dispose();
  });

  it('a compile error names the source file and line of the part it is in', async () => {
    const kernel = declareKernel({
      name: 'test broken kernel',
      parts: [
        part('shaders/lib.wgsl', 'enable subgroups;\nfn twice(v: f32) -> f32 { return 2.0 * v; }\n'),
        part('shaders/broken.wgsl', '@group(0) @binding(0) var<storage, read_write> y: array<f32>;\n\n@compute @workgroup_size(1)\nfn main() {\n  y[0] = twice(undefined_value);\n}\n'),
      ],
      storage: { y: 'read_write' },
    });
    const g = new Graph(rt());
    const y = g.tensor([1]);
    kernel.dispatch(g, { work: { signature: 'broken', bytes: 4 }, uniforms: {}, storage: { y }, workgroups: [1, 1, 1] });
    g.run();
    await expect(rt().sync()).rejects.toThrow(/test broken kernel: shaders\/broken\.wgsl:5:\d+: error: .*undefined_value/);
    g.dispose();
  });
});

describe('kernel declarations are checked against their WGSL', () => {
  const shader = part(
    'shaders/probe.wgsl',
    `override FLAG: bool = false;
struct Item { a: vec3i, b: i32 }
struct P { n: u32, scale: f32, items: array<Item, 2> }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(1)
fn main() { if (FLAG) { y[0] = x[0] * p.scale + f32(p.items[1].b); } }
`,
  );
  const item = { struct: 'Item', fields: { a: 'vec3i', b: 'i32' } } as const;
  const uniforms = { struct: 'P', fields: { n: 'u32', scale: 'f32', items: { array: item, length: 2 } } } as const;
  let names = 0;
  const declare = (over: Partial<Parameters<typeof declareKernel>[0]>) => () =>
    declareKernel({ name: `probe ${names++}`, parts: [shader], uniforms, storage: { x: 'read', y: 'read_write' }, overrides: { FLAG: 'bool' }, ...over });

  it('accepts a declaration that matches', () => {
    expect(declare({})).not.toThrow();
  });

  it('refuses a renamed, retyped, missing or extra uniform field, naming it', () => {
    expect(declare({ uniforms: { struct: 'P', fields: { count: 'u32', scale: 'f32', items: { array: item, length: 2 } } } })).toThrow(
      /P field 0: the WGSL has 'n: u32', the declaration 'count: u32'/,
    );
    expect(declare({ uniforms: { struct: 'P', fields: { n: 'i32', scale: 'f32', items: { array: item, length: 2 } } } })).toThrow(/'n: i32'/);
    expect(declare({ uniforms: { struct: 'P', fields: { n: 'u32', scale: 'f32' } } })).toThrow(/P field 2: the WGSL has 'items: array<Item, 2>', the declaration nothing/);
    expect(declare({ uniforms: { struct: 'P', fields: { n: 'u32', scale: 'f32', items: { array: item, length: 3 } } } })).toThrow(/array<Item, 3>/);
    const nested = { struct: 'Item', fields: { a: 'vec4i', b: 'i32' } } as const;
    expect(declare({ uniforms: { struct: 'P', fields: { n: 'u32', scale: 'f32', items: { array: nested, length: 2 } } } })).toThrow(
      /Item field 0: the WGSL has 'a: vec3i', the declaration 'a: vec4i'/,
    );
  });

  it('refuses storage bindings in another order or access, and overrides that differ', () => {
    expect(declare({ storage: { y: 'read_write', x: 'read' } })).toThrow(/bindings are/);
    expect(declare({ storage: { x: 'read_write', y: 'read_write' } })).toThrow(/bindings are/);
    expect(declare({ storage: { x: 'read' } })).toThrow(/bindings are/);
    expect(declare({ overrides: { FLAG: 'u32' } })).toThrow(/overrides are \{FLAG: bool\}, declared \{FLAG: u32\}/);
    expect(declare({ overrides: {} })).toThrow(/overrides are/);
  });

  it('composes an in-place variant with one part swapped, and refuses one that cannot bind the output alone', () => {
    const io = part('io.wgsl', `@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
fn input_at(i: u32) -> f32 { return x[i]; }
`);
    const ioInPlace = part('io-in-place.wgsl', `@group(0) @binding(1) var<storage, read_write> y: array<f32>;
fn input_at(i: u32) -> f32 { return y[i]; }
`);
    const body = part('body.wgsl', `struct P { n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@compute @workgroup_size(1)
fn main() { y[0] = input_at(0) * f32(p.n); }
`);
    const storage = { y: 'read_write', x: 'read' } as const;
    const decl = { parts: [io, body], uniforms: { struct: 'P', fields: { n: 'u32' } }, storage } as const;
    const k = declareKernel({ name: `probe ${names++}`, ...decl, inPlace: { output: 'y', input: 'x', replace: io, with: ioInPlace } });
    expect(k.inPlaceShader?.code).toContain('return y[i];');
    const tensor = () => new Tensor(new Storage(4), [1]);
    const spec = k.spec({ work: { signature: 'probe', bytes: 0 }, uniforms: { n: 1 }, storage: { y: tensor(), x: tensor() }, workgroups: [1, 1, 1] });
    expect(spec.inPlace).toMatchObject({ input: 1, output: 0, shader: k.inPlaceShader });
    const stillBindsX = part('still-binds-x.wgsl', `${io.code.replace('return x[i]', 'return y[i]')}`);
    const inPlace = (over: object) => () => declareKernel({ name: `probe ${names++}`, ...decl, inPlace: { output: 'y', input: 'x', replace: io, with: ioInPlace, ...over } });
    expect(inPlace({ input: 'y', output: 'x' })).toThrow(/the input must be the last binding, read-only/);
    expect(inPlace({ replace: ioInPlace })).toThrow(/io-in-place.wgsl is not one of its parts/);
    expect(inPlace({ with: stillBindsX })).toThrow(/in place \(still-binds-x.wgsl \+ body.wgsl\): bindings are/);
  });

  it('refuses a second kernel of the same name (it keys the pipeline cache)', () => {
    declareKernel({ name: 'probe twice', parts: [shader], uniforms, storage: { x: 'read', y: 'read_write' }, overrides: { FLAG: 'bool' } });
    expect(() =>
      declareKernel({ name: 'probe twice', parts: [shader], uniforms, storage: { x: 'read', y: 'read_write' }, overrides: { FLAG: 'bool' } }),
    ).toThrow(/declared twice/);
  });
});
