import { SafeTensor } from 'safetensors';
import { describe, expect, it } from 'vitest';
import type { HostTensor } from '../../src/io/host-tensor.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { expectFormatError } from './expect-format-error.js';

const FILE = 'cases.safetensors';

const tensors = new Map<string, HostTensor>([
  ['b.weight', { shape: [2, 3], data: Float32Array.of(1, -2, 3.5, 1e-30, -0, 6) }],
  ['10', { shape: [], data: Float32Array.of(Math.PI) }],
  ['a.empty', { shape: [0, 4], data: new Float32Array(0) }],
  ['2', { shape: [3], data: Float32Array.of(7, 8, 9) }],
]);

/** A file from a raw header object and data section, for the refusal tests. */
function rawFile(header: unknown, data = new Uint8Array(0), declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function f32Entry(shape: number[], begin: number, end: number) {
  return { dtype: 'F32', shape, data_offsets: [begin, end] };
}

describe('safetensors', () => {
  it('round-trips tensors and metadata, keeping insertion order', () => {
    const bytes = writeSafetensors(tensors, { format: 'pt', note: 'x' });
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const read = readSafetensors(bytes, FILE);
    expect(read.metadata).toEqual({ format: 'pt', note: 'x' });
    expect([...read.tensors.keys()]).toEqual(['b.weight', '10', 'a.empty', '2']);
    expect(read.tensors).toEqual(tensors);
    expect(Object.is(read.tensors.get('b.weight')!.data[4], -0)).toBe(true);
  });

  it('accepts an iterable of pairs and no metadata', () => {
    const read = readSafetensors(writeSafetensors([...tensors]), FILE);
    expect(read.metadata).toEqual({});
    expect(read.tensors).toEqual(tensors);
  });

  it('writes files the npm safetensors package reads', () => {
    const bytes = writeSafetensors(tensors);
    const theirs = new SafeTensor(bytes);
    for (const [name, tensor] of tensors) {
      expect(theirs.metadata.get(name)!.shape).toEqual(tensor.shape);
      expect(new Float32Array(theirs.getTensor(name).slice().buffer)).toEqual(tensor.data);
    }
  });

  it('reads from a view at an odd byteOffset, returning aligned copies', () => {
    const bytes = writeSafetensors(tensors);
    const backing = new Uint8Array(bytes.length + 3);
    backing.set(bytes, 3);
    const view = backing.subarray(3);
    const read = readSafetensors(view, FILE);
    expect(read.tensors).toEqual(tensors);
    expect(read.tensors.get('2')!.data.buffer).not.toBe(backing.buffer);
  });

  it('reads tensors at unaligned offsets within the data section', () => {
    // The F16 value in front puts the F32 value at data offset 2.
    const header = {
      h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] },
      f: f32Entry([1], 2, 6),
      pad: { dtype: 'BF16', shape: [1], data_offsets: [6, 8] },
    };
    const section = new Uint8Array(8);
    const view = new DataView(section.buffer);
    view.setUint16(0, 0x3c00, true); // 1.0 in half precision
    view.setFloat32(2, -2.25, true);
    view.setUint16(6, 0x4049, true); // bfloat16 of 3.140625
    const read = readSafetensors(rawFile(header, section), FILE);
    expect(read.tensors.get('h')!.data).toEqual(Float32Array.of(1));
    expect(read.tensors.get('f')!.data).toEqual(Float32Array.of(-2.25));
    expect(read.tensors.get('pad')!.data).toEqual(Float32Array.of(3.140625));
  });

  it('converts F16 subnormals, infinities and NaN', () => {
    const section = new Uint8Array(8);
    const view = new DataView(section.buffer);
    [0x0001, 0xfc00, 0x7e00, 0xc000].forEach((half, i) => view.setUint16(2 * i, half, true));
    const read = readSafetensors(rawFile({ x: { dtype: 'F16', shape: [4], data_offsets: [0, 8] } }, section), FILE);
    expect([...read.tensors.get('x')!.data]).toEqual([2 ** -24, -Infinity, NaN, -2]);
  });

  describe('refuses', () => {
    it('a header length over the cap', () => {
      expectFormatError(() => readSafetensors(rawFile({}, undefined, 200_000_000n), FILE), FILE, /exceeds the 100000000-byte cap/);
    });

    it('a header longer than the file', () => {
      expectFormatError(() => readSafetensors(rawFile({}, undefined, 1000n), FILE), FILE, /longer than the file/);
      expectFormatError(() => readSafetensors(new Uint8Array(5), FILE), FILE, /too short/);
    });

    it('a header that is not JSON, or not an object', () => {
      expectFormatError(() => readSafetensors(rawFile('{"a": '), FILE), FILE, /not valid JSON/);
      expectFormatError(() => readSafetensors(rawFile('[1, 2]'), FILE), FILE, /not a JSON object/);
    });

    it('metadata that is not a string map', () => {
      expectFormatError(() => readSafetensors(rawFile({ __metadata__: { a: 1 } }), FILE), FILE, /__metadata__ is not a map of strings/);
    });

    it('offsets outside the data section', () => {
      expectFormatError(() => readSafetensors(rawFile({ x: f32Entry([2], 0, 8) }, new Uint8Array(4)), FILE), FILE, /tensor 'x': data_offsets \[0, 8\] lie outside/);
      expectFormatError(() => readSafetensors(rawFile({ x: f32Entry([1], 4, 0) }, new Uint8Array(4)), FILE), FILE, /tensor 'x': data_offsets is not/);
    });

    it('overlapping tensors', () => {
      const header = { x: f32Entry([2], 0, 8), y: f32Entry([2], 4, 12) };
      expectFormatError(() => readSafetensors(rawFile(header, new Uint8Array(12)), FILE), FILE, /'x' and 'y' overlap/);
    });

    it('gaps in the data section', () => {
      expectFormatError(() => readSafetensors(rawFile({ x: f32Entry([1], 4, 8) }, new Uint8Array(8)), FILE), FILE, /bytes 0..4 .* belong to no tensor/);
      expectFormatError(() => readSafetensors(rawFile({ x: f32Entry([1], 0, 4) }, new Uint8Array(8)), FILE), FILE, /bytes 4..8 .* belong to no tensor/);
    });

    it('unsupported dtypes', () => {
      const header = { x: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } };
      expectFormatError(() => readSafetensors(rawFile(header, new Uint8Array(8)), FILE), FILE, /tensor 'x': dtype 'I64' is not supported/);
    });

    it('malformed shapes', () => {
      for (const shape of [[-1], [1.5], 'x', [null]]) {
        const header = { x: { dtype: 'F32', shape, data_offsets: [0, 4] } };
        expectFormatError(() => readSafetensors(rawFile(header, new Uint8Array(4)), FILE), FILE, /tensor 'x': shape is not/);
      }
    });

    it('a byte length that does not match the shape', () => {
      expectFormatError(() => readSafetensors(rawFile({ x: f32Entry([3], 0, 8) }, new Uint8Array(8)), FILE), FILE, /tensor 'x': holds 8 bytes but shape \[3\] of F32 needs 12/);
    });

    it('unknown entry fields', () => {
      const header = { x: { ...f32Entry([1], 0, 4), extra: 1 } };
      expectFormatError(() => readSafetensors(rawFile(header, new Uint8Array(4)), FILE), FILE, /unexpected header fields 'extra'/);
    });
  });

  it('writer refuses data that does not match its shape', () => {
    expect(() => writeSafetensors(new Map([['x', { shape: [2], data: new Float32Array(3) }]]))).toThrow(RangeError);
  });
});
