// Reads a composed shader's interface (structs, bindings, overrides) so that a
// kernel declaration can be checked against the WGSL it drives: a field, type,
// binding or override that differs is an error when the declaring module loads.
import { wgslTypeName, type UniformFields, type UniformType } from './uniform-layout.js';

export type StorageAccess = 'read' | 'read_write';
export type OverrideType = 'u32' | 'i32' | 'f32' | 'bool';

export interface WgslBinding {
  group: number;
  binding: number;
  /** 'uniform', or the storage access mode. */
  space: 'uniform' | StorageAccess;
  name: string;
  type: string;
}

export interface WgslInterface {
  structs: Map<string, { name: string; type: string }[]>;
  bindings: WgslBinding[];
  overrides: Map<string, string>;
}

function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '');
}

/** Splits at commas outside <...>. */
function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '<') depth++;
    if (ch === '>') depth--;
    if (ch === ',' && depth === 0) {
      out.push(current);
      current = '';
    } else current += ch;
  }
  out.push(current);
  return out.map((s) => s.trim()).filter((s) => s.length > 0);
}

/** 'vec4<u32>' and 'vec4u' read the same; spaces go. */
function normaliseType(t: string): string {
  return t
    .replace(/\s+/g, '')
    .replace(/vec([234])<(u32|i32|f32)>/g, (_, n: string, s: string) => `vec${n}${s[0]}`)
    .replace(/,/g, ', ');
}

export function readWgslInterface(code: string): WgslInterface {
  const text = stripComments(code);
  const structs = new Map<string, { name: string; type: string }[]>();
  for (const m of text.matchAll(/struct\s+(\w+)\s*\{([^}]*)\}/g)) {
    const fields = splitTopLevel(m[2]).map((f) => {
      const [name, ...type] = f.replace(/@\w+(\([^)]*\))?/g, '').split(':');
      return { name: name.trim(), type: normaliseType(type.join(':')) };
    });
    structs.set(m[1], fields);
  }
  const bindings: WgslBinding[] = [];
  const binding = /@group\((\d+)\)\s*@binding\((\d+)\)\s*var<\s*(uniform|storage)\s*(?:,\s*(read|read_write)\s*)?>\s*(\w+)\s*:\s*([^;]+);/g;
  for (const m of text.matchAll(binding)) {
    const space = m[3] === 'uniform' ? 'uniform' : ((m[4] ?? 'read') as StorageAccess);
    bindings.push({ group: Number(m[1]), binding: Number(m[2]), space, name: m[5], type: normaliseType(m[6]) });
  }
  const overrides = new Map<string, string>();
  for (const m of text.matchAll(/override\s+(\w+)\s*(?::\s*(\w+))?\s*(?:=[^;]*)?;/g)) overrides.set(m[1], m[2] ?? '(untyped)');
  return { structs, bindings: bindings.sort((a, b) => a.binding - b.binding), overrides };
}

export interface InterfaceDeclaration {
  uniforms?: { struct: string; fields: UniformFields };
  storage: Readonly<Record<string, StorageAccess>>;
  overrides: Readonly<Record<string, OverrideType>>;
}

/** Every way `wgsl` differs from `decl`, as sentences; empty when they agree. */
export function interfaceMismatches(wgsl: WgslInterface, decl: InterfaceDeclaration): string[] {
  const problems: string[] = [];
  const expected: Omit<WgslBinding, 'type'>[] = [];
  // The uniform's variable name is the WGSL's own (p, lat, ...): only its struct matters to the host.
  const uniformName = wgsl.bindings.find((b) => b.space === 'uniform')?.name ?? 'p';
  if (decl.uniforms) expected.push({ group: 0, binding: 0, space: 'uniform', name: uniformName });
  for (const [name, access] of Object.entries(decl.storage)) {
    expected.push({ group: 0, binding: expected.length, space: access, name });
  }
  const describe = (b: Omit<WgslBinding, 'type'>) => `@binding(${b.binding}) var<${b.space === 'uniform' ? 'uniform' : `storage, ${b.space}`}> ${b.name}`;
  const found = wgsl.bindings.map(describe);
  const wanted = expected.map(describe);
  if (wgsl.bindings.some((b) => b.group !== 0)) problems.push('every binding must be in @group(0)');
  if (found.join('; ') !== wanted.join('; ')) problems.push(`bindings are [${found.join('; ')}], declared [${wanted.join('; ')}]`);

  if (decl.uniforms) {
    const uniform = wgsl.bindings.find((b) => b.space === 'uniform');
    if (uniform && uniform.type !== decl.uniforms.struct) {
      problems.push(`the uniform is a ${uniform.type}, declared ${decl.uniforms.struct}`);
    }
    compareStruct(wgsl, decl.uniforms.struct, decl.uniforms.fields, problems);
  }

  const declared = Object.entries(decl.overrides).map(([n, t]) => `${n}: ${t}`).sort();
  const present = [...wgsl.overrides].map(([n, t]) => `${n}: ${t}`).sort();
  if (declared.join(', ') !== present.join(', ')) problems.push(`overrides are {${present.join(', ')}}, declared {${declared.join(', ')}}`);
  return problems;
}

function compareStruct(wgsl: WgslInterface, struct: string, fields: UniformFields, problems: string[]): void {
  const actual = wgsl.structs.get(struct);
  if (!actual) {
    problems.push(`no struct ${struct}`);
    return;
  }
  const declared = Object.entries(fields);
  const n = Math.max(actual.length, declared.length);
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const d = declared[i];
    const dType = d && wgslTypeName(d[1]);
    if (a?.name !== d?.[0] || a?.type !== dType) {
      const wgslText = a ? `'${a.name}: ${a.type}'` : 'nothing';
      const declText = d ? `'${d[0]}: ${dType}'` : 'nothing';
      problems.push(`${struct} field ${i}: the WGSL has ${wgslText}, the declaration ${declText}`);
      return;
    }
    for (const nested of nestedStructs(d[1])) compareStruct(wgsl, nested.struct, nested.fields, problems);
  }
}

function nestedStructs(t: UniformType): { struct: string; fields: UniformFields }[] {
  if (typeof t === 'string') return [];
  if ('array' in t) return nestedStructs(t.array);
  return [t];
}
