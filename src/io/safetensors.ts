/*
 * Why our own safetensors code: the only npm package (`safetensors` 0.0.1) reads the
 * header length through the view's underlying ArrayBuffer, ignoring its byteOffset,
 * and checks nothing (header size, offsets, overlaps, dtypes, lengths); it also fails
 * on files with a `__metadata__` entry. This reader validates everything the format
 * specification requires and copies tensor data into aligned Float32Arrays, since
 * offsets in the file need not be 4-byte aligned.
 */
import { FormatError, quote } from '../errors.js';
import { numel, type HostTensor } from './host-tensor.js';

export interface Safetensors {
  /** In data-section order, which is the order our writer was given them. */
  tensors: Map<string, HostTensor>;
  metadata: Record<string, string>;
}

/** Far above any real header (the Hugging Face hub caps at 25 MB), far below memory trouble. */
const MAX_HEADER_BYTES = 100_000_000;
const LENGTH_PREFIX_BYTES = 8;
const METADATA_KEY = '__metadata__';
const ITEM_SIZE = { F32: 4, F16: 2, BF16: 2 } as const;
type DType = keyof typeof ITEM_SIZE;

interface HeaderEntry {
  name: string;
  dtype: DType;
  shape: number[];
  begin: number;
  end: number;
}

export function readSafetensors(bytes: Uint8Array, file: string): Safetensors {
  const fail = (problem: string) => new FormatError(file, problem);
  if (bytes.length < LENGTH_PREFIX_BYTES) throw fail('too short for a safetensors header length (truncated?)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const declaredLength = view.getBigUint64(0, true);
  if (declaredLength > BigInt(MAX_HEADER_BYTES)) throw fail(`safetensors header of ${declaredLength} bytes exceeds the ${MAX_HEADER_BYTES}-byte cap`);
  const headerLength = Number(declaredLength);
  const dataStart = LENGTH_PREFIX_BYTES + headerLength;
  if (dataStart > bytes.length) throw fail(`safetensors header of ${headerLength} bytes is longer than the file (truncated?)`);

  const header = parseHeader(bytes.subarray(LENGTH_PREFIX_BYTES, dataStart), fail);
  const dataLength = bytes.length - dataStart;
  const { entries, metadata } = readHeaderEntries(header, dataLength, fail);
  const inDataOrder = entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  checkCoverage(inDataOrder, dataLength, fail);

  // JSON.parse moves integer-like names first, so the header cannot give the order; the data section does.
  const tensors = new Map<string, HostTensor>();
  for (const entry of inDataOrder) {
    const data = toFloat32(bytes.subarray(dataStart + entry.begin, dataStart + entry.end), entry.dtype);
    tensors.set(entry.name, { shape: entry.shape, data });
  }
  return { tensors, metadata };
}

function parseHeader(headerBytes: Uint8Array, fail: (problem: string) => FormatError): Record<string, unknown> {
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (error) {
    // V8's message repeats part of the input: quote it like any untrusted text.
    throw fail(`safetensors header is not valid JSON: ${quote((error as Error).message)}`);
  }
  if (!isRecord(header)) throw fail('safetensors header is not a JSON object');
  return header;
}

function readHeaderEntries(
  header: Record<string, unknown>,
  dataLength: number,
  fail: (problem: string) => FormatError,
): { entries: HeaderEntry[]; metadata: Record<string, string> } {
  const entries: HeaderEntry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) {
      metadata = readMetadata(value, fail);
      continue;
    }
    const problem = (text: string) => fail(`tensor ${quote(name)}: ${text}`);
    if (!isRecord(value)) throw problem('header entry is not an object');
    const { dtype, shape, data_offsets: offsets, ...rest } = value;
    const unknownKeys = Object.keys(rest);
    if (unknownKeys.length > 0) throw problem(`unexpected header fields ${quote(unknownKeys.join(', '))}`);
    if (typeof dtype !== 'string' || !(dtype in ITEM_SIZE)) {
      throw problem(`dtype ${quote(typeof dtype === 'string' ? dtype : String(JSON.stringify(dtype)))} is not supported (only ${Object.keys(ITEM_SIZE).join(', ')})`);
    }
    if (!Array.isArray(shape) || !shape.every(isCount)) throw problem('shape is not an array of non-negative integers');
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      throw problem('data_offsets is not [begin, end] with 0 <= begin <= end');
    }
    const [begin, end] = offsets as [number, number];
    if (end > dataLength) throw problem(`data_offsets [${begin}, ${end}] lie outside the ${dataLength}-byte data section`);
    const expectedBytes = numel(shape) * ITEM_SIZE[dtype as DType];
    if (end - begin !== expectedBytes) {
      throw problem(`holds ${end - begin} bytes but shape [${shape}] of ${dtype} needs ${expectedBytes}`);
    }
    entries.push({ name, dtype: dtype as DType, shape, begin, end });
  }
  return { entries, metadata };
}

function readMetadata(value: unknown, fail: (problem: string) => FormatError): Record<string, string> {
  if (!isRecord(value) || !Object.values(value).every((item) => typeof item === 'string')) {
    throw fail(`${METADATA_KEY} is not a map of strings to strings`);
  }
  return value as Record<string, string>;
}

/** The specification requires the tensors to tile the data section exactly: no overlaps, no gaps. */
function checkCoverage(sortedEntries: HeaderEntry[], dataLength: number, fail: (problem: string) => FormatError): void {
  let covered = 0;
  let previous: HeaderEntry | undefined;
  for (const entry of sortedEntries) {
    if (entry.begin < covered) throw fail(`tensors ${quote(previous!.name)} and ${quote(entry.name)} overlap in the data section`);
    if (entry.begin > covered) throw fail(`bytes ${covered}..${entry.begin} of the data section belong to no tensor`);
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataLength) throw fail(`bytes ${covered}..${dataLength} of the data section belong to no tensor`);
}

/** Always copies: the source may sit at any byte offset. Assumes a little-endian host, as WebGPU does. */
function toFloat32(bytes: Uint8Array, dtype: DType): Float32Array {
  const out = new Float32Array(bytes.length / ITEM_SIZE[dtype]);
  if (dtype === 'F32') {
    new Uint8Array(out.buffer).set(bytes);
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'BF16') {
    // bfloat16 is the top half of a float32.
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < out.length; i++) bits[i] = view.getUint16(2 * i, true) << 16;
  } else {
    for (let i = 0; i < out.length; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
  }
  return out;
}

function halfToFloat(half: number): number {
  const sign = half & 0x8000 ? -1 : 1;
  const exponent = (half >> 10) & 0x1f;
  const fraction = half & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/**
 * Writes F32 tensors in iteration order, the header padded with spaces to a multiple
 * of 8 bytes so that the data section starts 8-byte aligned.
 */
export function writeSafetensors(tensors: Iterable<readonly [string, HostTensor]>, metadata?: Record<string, string>): Uint8Array {
  // JSON.stringify of an object would move integer-like names ("0", "1") first; build the text by hand to keep order.
  const fields: string[] = [];
  if (metadata !== undefined) fields.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  const names = new Set<string>();
  const datas: Float32Array[] = [];
  let offset = 0;
  for (const [name, tensor] of tensors) {
    if (name === METADATA_KEY || names.has(name)) throw new RangeError(`safetensors: tensor name '${name}' is reserved or repeated`);
    if (tensor.data.length !== numel(tensor.shape)) {
      throw new RangeError(`safetensors: tensor '${name}' has ${tensor.data.length} values for shape [${tensor.shape}]`);
    }
    names.add(name);
    const end = offset + tensor.data.byteLength;
    fields.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: 'F32', shape: tensor.shape, data_offsets: [offset, end] })}`);
    datas.push(tensor.data);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(LENGTH_PREFIX_BYTES + headerLength + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength), true);
  out.set(json, LENGTH_PREFIX_BYTES);
  out.fill(0x20, LENGTH_PREFIX_BYTES + json.length, LENGTH_PREFIX_BYTES + headerLength);
  let position = LENGTH_PREFIX_BYTES + headerLength;
  for (const data of datas) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), position);
    position += data.byteLength;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
