// A kernel's uniform struct as the host declares it, its WGSL layout
// (uniform address space: offsets, alignment and padding derived here, never
// written by hand) and the packing of values into it.

export type Scalar = 'u32' | 'i32' | 'f32';
export type Vector = `vec${2 | 3 | 4}${'u' | 'i' | 'f'}`;
export interface ArrayOf<T extends UniformType = UniformType> {
  readonly array: T;
  readonly length: number;
}
export interface StructOf<F extends UniformFields = UniformFields> {
  readonly struct: string;
  readonly fields: F;
}
export type UniformType = Scalar | Vector | ArrayOf | StructOf;
export type UniformFields = { readonly [name: string]: UniformType };

/** The host value of a field: numbers, a vector's components, an array's leading elements (the rest are zero). */
export type UniformValue<T> = T extends Scalar
  ? number
  : T extends Vector
    ? readonly number[]
    : T extends ArrayOf<infer E>
      ? readonly UniformValue<E>[]
      : T extends StructOf<infer F>
        ? UniformValues<F>
        : never;
export type UniformValues<F extends UniformFields> = { readonly [K in keyof F]: UniformValue<F[K]> };

interface Layout {
  align: number;
  size: number;
}

const roundUp = (n: number, to: number) => Math.ceil(n / to) * to;

function isVector(t: UniformType): t is Vector {
  return typeof t === 'string' && t.startsWith('vec');
}

function componentKind(t: Scalar | Vector): Scalar {
  if (!isVector(t)) return t;
  return ({ u: 'u32', i: 'i32', f: 'f32' } as const)[t[4] as 'u' | 'i' | 'f'];
}

function components(t: Vector): number {
  return Number(t[3]);
}

/** The WGSL spelling of a declared type, e.g. 'array<ConvClass, 8>'. */
export function wgslTypeName(t: UniformType): string {
  if (typeof t === 'string') return t;
  if ('array' in t) return `array<${wgslTypeName(t.array)}, ${t.length}>`;
  return t.struct;
}

/** Alignment and size in the uniform address space (WGSL spec, "Memory layout"). */
function layoutOf(t: UniformType): Layout {
  if (typeof t === 'string') {
    if (!isVector(t)) return { align: 4, size: 4 };
    const n = components(t);
    return { align: n === 2 ? 8 : 16, size: 4 * n };
  }
  if ('array' in t) {
    const e = layoutOf(t.array);
    const stride = roundUp(e.size, e.align);
    if (stride % 16) throw new Error(`uniform ${wgslTypeName(t)}: element stride ${stride} is not a multiple of 16`);
    return { align: roundUp(e.align, 16), size: stride * t.length };
  }
  const { align, size } = structLayout(t.fields);
  return { align: roundUp(align, 16), size: roundUp(size, roundUp(align, 16)) };
}

function structLayout(fields: UniformFields): { align: number; size: number; offsets: number[] } {
  let offset = 0;
  let align = 4;
  const offsets: number[] = [];
  for (const type of Object.values(fields)) {
    const l = layoutOf(type);
    offset = roundUp(offset, l.align);
    offsets.push(offset);
    offset += l.size;
    align = Math.max(align, l.align);
  }
  return { align, size: roundUp(offset, align), offsets };
}

/** Bytes of the struct as a uniform buffer: its size, at least 16 and a multiple of 16. */
export function uniformBytes(fields: UniformFields): number {
  return Math.max(16, roundUp(structLayout(fields).size, 16));
}

/** `values` laid out as the WGSL struct `fields`; `where` names the kernel in errors. */
export function packUniforms<F extends UniformFields>(where: string, fields: F, values: UniformValues<F>): ArrayBuffer {
  const buffer = new ArrayBuffer(uniformBytes(fields));
  writeStruct(new DataView(buffer), 0, where, fields, values as Record<string, unknown>);
  return buffer;
}

function writeStruct(view: DataView, base: number, path: string, fields: UniformFields, values: Record<string, unknown>): void {
  const { offsets } = structLayout(fields);
  Object.entries(fields).forEach(([name, type], i) => {
    if (!(name in values)) throw new Error(`${path}: no value for uniform field '${name}'`);
    writeValue(view, base + offsets[i], `${path}.${name}`, type, values[name]);
  });
  for (const name of Object.keys(values)) {
    if (!(name in fields)) throw new Error(`${path}: '${name}' is not a uniform field`);
  }
}

function writeValue(view: DataView, at: number, path: string, type: UniformType, value: unknown): void {
  if (typeof type === 'string') {
    if (!isVector(type)) return writeScalar(view, at, path, type, value);
    const n = components(type);
    if (!Array.isArray(value) || value.length !== n) throw new Error(`${path}: ${type} wants ${n} numbers, got ${String(value)}`);
    value.forEach((v, c) => writeScalar(view, at + 4 * c, `${path}[${c}]`, componentKind(type), v));
    return;
  }
  if ('array' in type) {
    if (!Array.isArray(value) || value.length > type.length) {
      throw new Error(`${path}: ${wgslTypeName(type)} wants at most ${type.length} elements`);
    }
    const e = layoutOf(type.array);
    const stride = roundUp(e.size, e.align);
    value.forEach((v, k) => writeValue(view, at + k * stride, `${path}[${k}]`, type.array, v));
    return;
  }
  if (typeof value !== 'object' || value === null) throw new Error(`${path}: ${type.struct} wants an object`);
  writeStruct(view, at, path, type.fields, value as Record<string, unknown>);
}

function writeScalar(view: DataView, at: number, path: string, type: Scalar, v: unknown): void {
  if (typeof v !== 'number') throw new Error(`${path}: ${type} wants a number, got ${String(v)}`);
  if (type === 'f32') return view.setFloat32(at, v, true);
  const [lo, hi] = type === 'u32' ? [0, 2 ** 32 - 1] : [-(2 ** 31), 2 ** 31 - 1];
  if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${path}: ${v} is not a ${type}`);
  if (type === 'u32') view.setUint32(at, v, true);
  else view.setInt32(at, v, true);
}
