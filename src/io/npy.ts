import { FormatError, quote } from '../errors.js';
import { numel, type HostTensor } from './host-tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const PREAMBLE_V1 = 10; // magic, version, u16 header length
const HEADER_ALIGNMENT = 64;
/** numpy's own default limit on header size when loading. */
const MAX_HEADER_BYTES = 10_000;

/** Writes a C-order .npy (format 1.0) of float32 ('<f4') or uint8 ('|u1') values. */
export function writeNpy(shape: readonly number[], data: Float32Array | Uint8Array): Uint8Array {
  if (data.length !== numel(shape)) throw new RangeError(`npy: ${data.length} values for shape [${shape}]`);
  const descr = data instanceof Float32Array ? '<f4' : '|u1';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // numpy pads with spaces and ends with a newline so that the data starts 64-byte aligned.
  const headerLength = Math.ceil((PREAMBLE_V1 + dict.length + 1) / HEADER_ALIGNMENT) * HEADER_ALIGNMENT - PREAMBLE_V1;
  const header = dict.padEnd(headerLength - 1, ' ') + '\n';

  const out = new Uint8Array(PREAMBLE_V1 + headerLength + data.byteLength);
  out.set(MAGIC);
  out[6] = 1; // version 1.0
  new DataView(out.buffer).setUint16(8, headerLength, true);
  for (let i = 0; i < header.length; i++) out[PREAMBLE_V1 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), PREAMBLE_V1 + headerLength);
  return out;
}

type ElementReader = (view: DataView, byteOffset: number, littleEndian: boolean) => number;

/** numpy type codes (kind + item size) that convert to float32. */
const ELEMENT_READERS: Record<string, ElementReader> = {
  f4: (view, at, little) => view.getFloat32(at, little),
  f8: (view, at, little) => view.getFloat64(at, little),
  i1: (view, at) => view.getInt8(at),
  u1: (view, at) => view.getUint8(at),
  b1: (view, at) => (view.getUint8(at) === 0 ? 0 : 1),
  i2: (view, at, little) => view.getInt16(at, little),
  u2: (view, at, little) => view.getUint16(at, little),
  i4: (view, at, little) => view.getInt32(at, little),
  u4: (view, at, little) => view.getUint32(at, little),
  i8: (view, at, little) => Number(view.getBigInt64(at, little)),
  u8: (view, at, little) => Number(view.getBigUint64(at, little)),
};

/** Reads a .npy file (format 1, 2 or 3) of any plain numeric dtype into float32, C order. */
export function readNpy(bytes: Uint8Array, file: string): HostTensor {
  const fail = (problem: string) => new FormatError(file, problem);
  if (bytes.length < PREAMBLE_V1 || !MAGIC.every((byte, i) => bytes[i] === byte)) throw fail('not a .npy file (bad magic)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  if (![1, 2, 3].includes(major) || bytes[7] !== 0) throw fail(`unsupported .npy format version ${major}.${bytes[7]}`);
  const wideLength = major >= 2;
  if (wideLength && bytes.length < PREAMBLE_V1 + 2) throw fail('.npy header length is truncated');
  const headerLength = wideLength ? view.getUint32(8, true) : view.getUint16(8, true);
  if (headerLength > MAX_HEADER_BYTES) throw fail(`.npy header of ${headerLength} bytes exceeds the ${MAX_HEADER_BYTES}-byte cap`);
  const headerStart = wideLength ? PREAMBLE_V1 + 2 : PREAMBLE_V1;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw fail(`.npy header of ${headerLength} bytes is longer than the file (truncated?)`);

  const headerBytes = bytes.subarray(headerStart, dataStart);
  const headerText = major === 3 ? new TextDecoder().decode(headerBytes) : String.fromCharCode(...headerBytes);
  const { descr, fortranOrder, shape } = parseHeader(headerText, fail);

  const match = /^([<>|=])([a-z])(\d+)$/.exec(descr);
  const code = match ? `${match[2]}${match[3]}` : '';
  const readElement = ELEMENT_READERS[code];
  if (match === null || readElement === undefined) throw fail(`.npy dtype ${quote(descr)} is not supported`);
  const itemSize = Number(match[3]);
  const littleEndian = match[1] !== '>';

  const count = numel(shape);
  const dataLength = bytes.length - dataStart;
  if (dataLength !== count * itemSize) {
    throw fail(`.npy data holds ${dataLength} bytes but shape [${shape}] of ${quote(descr)} needs ${count * itemSize}`);
  }
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = readElement(view, dataStart + i * itemSize, littleEndian);
  return { shape, data: fortranOrder ? fortranToC(values, shape) : values };
}

interface NpyHeader {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

const QUOTED = String.raw`'[^']*'|"[^"]*"`;
const INT_TUPLE = String.raw`\(\s*(?:\d+\s*,\s*)*(?:\d+\s*)?\)`;
/** One `'key': value` pair of the header dict and the comma after it. */
const HEADER_FIELD = String.raw`\s*(${QUOTED})\s*:\s*(${QUOTED}|True|False|${INT_TUPLE})\s*(?:,|$)`;

/** The header is a Python dict literal with exactly the keys descr, fortran_order and shape. */
function parseHeader(text: string, fail: (problem: string) => FormatError): NpyHeader {
  const malformed = (what: string) => fail(`.npy header ${what}: ${quote(text.trim())}`);
  const body = /^\s*\{([\s\S]*)\}\s*$/.exec(text)?.[1];
  if (body === undefined) throw malformed('is not a dict');
  const fields = new Map<string, string>();
  const field = new RegExp(HEADER_FIELD, 'y');
  while (body.slice(field.lastIndex).trim() !== '') {
    const found = field.exec(body);
    if (found === null) throw malformed('is not a dict of strings, booleans and integer tuples');
    fields.set(found[1]!.slice(1, -1), found[2]!);
  }
  const descr = fields.get('descr');
  const fortranOrder = fields.get('fortran_order');
  const shape = fields.get('shape');
  if (fields.size !== 3 || descr === undefined || fortranOrder === undefined || shape === undefined) {
    throw malformed('needs exactly descr, fortran_order and shape');
  }
  if (!/^['"]/.test(descr) || !/^(True|False)$/.test(fortranOrder) || !shape.startsWith('(')) {
    throw malformed('has a value of the wrong type');
  }
  return {
    descr: descr.slice(1, -1),
    fortranOrder: fortranOrder === 'True',
    shape: (shape.match(/\d+/g) ?? []).map(Number),
  };
}

/** Reorders a column-major array of `shape` into row-major order. */
function fortranToC(values: Float32Array, shape: number[]): Float32Array {
  const out = new Float32Array(values.length);
  const index = new Array<number>(shape.length).fill(0);
  const fortranStrides = shape.map((_, dim) => numel(shape.slice(0, dim)));
  let source = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = values[source]!;
    for (let dim = shape.length - 1; dim >= 0; dim--) {
      source += fortranStrides[dim]!;
      if (++index[dim]! < shape[dim]!) break;
      source -= fortranStrides[dim]! * shape[dim]!;
      index[dim] = 0;
    }
  }
  return out;
}
