// One declaration per kernel: its WGSL parts, uniforms with types, storage
// bindings and overrides. From it come the composed shader, the uniform
// packing, the pipeline cache key and the dispatch-size check; it is checked
// against the WGSL when the declaring module loads, so a host/WGSL mismatch
// fails every test that imports the op.
import { UNUSED_BINDING, type Graph, type KernelSpec, type KernelWork, type Tensor } from '../runtime/index.js';
import { packUniforms, type StructOf, type UniformFields, type UniformValues } from './uniform-layout.js';
import { interfaceMismatches, readWgslInterface, type InterfaceDeclaration, type OverrideType, type StorageAccess } from './wgsl-interface.js';
import { composeShader, type Shader, type WgslFile } from './wgsl-source.js';

/**
 * Workgroups per dispatch dimension that every WebGPU device supports
 * (maxComputeWorkgroupsPerDimension's default); larger counts fold into y.
 */
export const MAX_WORKGROUPS_PER_DIMENSION = 65535;

export interface KernelDeclaration<U extends UniformFields, S extends Record<string, StorageAccess>, O extends Record<string, OverrideType>> {
  /** Unique among kernels: it names the kernel in errors and keys its pipelines. */
  name: string;
  /** WGSL files in dependency order (each uses only what the ones before it declare). */
  parts: readonly WgslFile[];
  /** The struct bound as `var<uniform> p` at @binding(0), when the kernel has one. */
  uniforms?: StructOf<U>;
  /** Storage buffers in binding order, after the uniform. */
  storage: S;
  overrides?: O;
  entryPoint?: string;
  /**
   * The output may take the input's buffer (the graph decides, see
   * Graph.place): every invocation reads the input values it writes over
   * before any invocation writes them. The single-binding variant has the
   * parts with `replace` swapped for `with`, which binds the output alone
   * (WebGPU forbids binding one buffer twice in a dispatch when one binding
   * writes) and reads the input from it. The input must be the last storage
   * binding, so that the others keep their numbers (checked when declared, as
   * are the names).
   */
  inPlace?: { output: string; input: string; replace: WgslFile; with: WgslFile };
}

type OverrideValue<T extends OverrideType> = T extends 'bool' ? boolean : number;
export type OverrideValues<O extends Record<string, OverrideType>> = { readonly [K in keyof O]?: OverrideValue<O[K]> };

export interface KernelDispatch<U extends UniformFields, S extends Record<string, StorageAccess>, O extends Record<string, OverrideType>> {
  /** The profile's name for the dispatch; the kernel's name when absent. */
  label?: string;
  work: KernelWork;
  /** The struct's values, or a uniform buffer its caller owns that already holds them (see packUniforms). */
  uniforms: UniformValues<U> | { readonly shared: GPUBuffer };
  storage: { readonly [K in keyof S]: Tensor | GPUBuffer | typeof UNUSED_BINDING };
  overrides?: OverrideValues<O>;
  workgroups: readonly [number, number, number];
}

type AnyKernel = Kernel<UniformFields, Record<string, StorageAccess>, Record<string, OverrideType>>;
const declared = new Map<string, AnyKernel>();

/** Every kernel declared so far in this process (tests compile them all). */
export function declaredKernels(): readonly AnyKernel[] {
  return [...declared.values()];
}

export class Kernel<U extends UniformFields, S extends Record<string, StorageAccess>, O extends Record<string, OverrideType>> {
  readonly shader: Shader;
  /** The single-binding variant, when the declaration allows in place. */
  readonly inPlaceShader: Shader | undefined;

  constructor(readonly declaration: KernelDeclaration<U, S, O>) {
    const { name, parts, uniforms, storage, overrides = {}, inPlace } = declaration;
    this.shader = composeChecked(name, parts, declaration.entryPoint, { uniforms, storage, overrides });
    if (inPlace) {
      const keys = Object.keys(storage);
      const where = `kernel ${name}: in place`;
      if (keys.at(-1) !== inPlace.input || storage[inPlace.input] !== 'read') throw new Error(`${where}: the input must be the last binding, read-only`);
      if (storage[inPlace.output] !== 'read_write') throw new Error(`${where}: the output must be read_write`);
      if (!parts.includes(inPlace.replace)) throw new Error(`${where}: ${inPlace.replace.file} is not one of its parts`);
      const single = Object.fromEntries(keys.filter((k) => k !== inPlace.input).map((k) => [k, storage[k]]));
      const inPlaceParts = parts.map((p) => (p === inPlace.replace ? inPlace.with : p));
      this.inPlaceShader = composeChecked(`${name} in place`, inPlaceParts, declaration.entryPoint, { uniforms, storage: single, overrides });
    }
    if (declared.has(name)) throw new Error(`kernel ${name} is declared twice`);
    declared.set(name, this);
  }

  /** Records one dispatch of this kernel into `g`. */
  dispatch(g: Graph, d: KernelDispatch<U, S, O>): void {
    g.add(this.spec(d));
  }

  /** The struct `values` as the uniform buffer's bytes, for a buffer shared by several dispatches. */
  packUniforms(values: UniformValues<U>): ArrayBuffer {
    const { name, uniforms } = this.declaration;
    if (!uniforms) throw new Error(`kernel ${name} has no uniforms`);
    return packUniforms(name, uniforms.fields, values);
  }

  /** One dispatch of this kernel, for the runtime (Graph.add or Runtime.kernel). */
  spec(d: KernelDispatch<U, S, O>): KernelSpec {
    const { name, storage } = this.declaration;
    const label = d.label ?? name;
    if (d.workgroups.some((n) => !Number.isInteger(n) || n < 0 || n > MAX_WORKGROUPS_PER_DIMENSION)) {
      throw new Error(`${label}: workgroups [${d.workgroups}] exceed ${MAX_WORKGROUPS_PER_DIMENSION} per dimension`);
    }
    const constants: Record<string, number> = {};
    for (const [key, value] of Object.entries(d.overrides ?? {})) {
      if (value !== undefined) constants[key] = typeof value === 'boolean' ? Number(value) : value;
    }
    const keys = Object.keys(storage);
    const buffers = keys.map((key) => d.storage[key]);
    const shared = 'shared' in d.uniforms ? (d.uniforms as { shared: GPUBuffer }).shared : undefined;
    const first = shared ? 1 : 0;
    const { inPlace } = this.declaration;
    return {
      label,
      work: d.work,
      shader: this.shader,
      constants,
      params: shared || !this.declaration.uniforms ? undefined : this.packUniforms(d.uniforms as UniformValues<U>),
      buffers: shared ? [shared, ...buffers] : buffers,
      writes: [...(shared ? [false] : []), ...Object.values(storage).map((access) => access === 'read_write')],
      workgroups: [d.workgroups[0], d.workgroups[1], d.workgroups[2]],
      inPlace:
        inPlace && this.inPlaceShader
          ? { shader: this.inPlaceShader, input: first + keys.indexOf(inPlace.input), output: first + keys.indexOf(inPlace.output) }
          : undefined,
    };
  }
}

function composeChecked(name: string, parts: readonly WgslFile[], entryPoint: string | undefined, decl: InterfaceDeclaration): Shader {
  const shader = composeShader(name, parts, entryPoint);
  const problems = interfaceMismatches(readWgslInterface(shader.code), decl);
  if (problems.length) throw new Error(`kernel ${name} (${parts.map((p) => p.file).join(' + ')}): ${problems.join('; ')}`);
  return shader;
}

export function declareKernel<
  const U extends UniformFields,
  const S extends Record<string, StorageAccess>,
  const O extends Record<string, OverrideType> = Record<never, OverrideType>,
>(declaration: KernelDeclaration<U, S, O>): Kernel<U, S, O> {
  return new Kernel(declaration);
}

/** Workgroup counts for `threads` invocations of `size`, folded into y past the per-dimension limit. */
export function grid(threads: number, size: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(threads / size));
  if (groups <= MAX_WORKGROUPS_PER_DIMENSION) return [groups, 1, 1];
  const y = Math.ceil(groups / MAX_WORKGROUPS_PER_DIMENSION);
  return [Math.ceil(groups / y), y, 1];
}
