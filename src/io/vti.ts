import { FormatError, quote } from '../errors.js';
import { concatBytes } from './concat-bytes.js';
import type { HostTensor } from './host-tensor.js';

/*
 * VTK XML ImageData. The reference MicroGen3D code flattens a (D, H, W) volume in
 * Fortran order with extent 0..D-1 on x: VTK's x axis (fastest in the file) is D.
 * We keep that layout so that our files line up with the reference's in ParaView.
 */

const HEADER_BYTES = 8; // UInt64 byte count before the raw data

/** Writes a (D, H, W) C-order volume as one point-data array, raw appended, that ParaView reads. */
export function writeVti(shape: readonly number[], data: Float32Array | Uint8Array, arrayName: string): Uint8Array {
  if (shape.length !== 3 || !shape.every((size) => Number.isSafeInteger(size) && size > 0)) {
    throw new RangeError(`vti: volume shape must be [D, H, W] of positive integers, got [${shape}]`);
  }
  const [depth, height, width] = shape as [number, number, number];
  if (data.length !== depth * height * width) throw new RangeError(`vti: ${data.length} values for shape [${shape}]`);

  const type = data instanceof Float32Array ? 'Float32' : 'UInt8';
  const extent = `0 ${depth - 1} 0 ${height - 1} 0 ${width - 1}`;
  const name = escapeXmlAttribute(arrayName);
  const head = [
    '<?xml version="1.0"?>',
    '<VTKFile type="ImageData" version="1.0" byte_order="LittleEndian" header_type="UInt64">',
    `  <ImageData WholeExtent="${extent}" Origin="0 0 0" Spacing="1 1 1">`,
    `    <Piece Extent="${extent}">`,
    `      <PointData Scalars="${name}">`,
    `        <DataArray type="${type}" Name="${name}" NumberOfComponents="1" format="appended" offset="0"/>`,
    '      </PointData>',
    '    </Piece>',
    '  </ImageData>',
    '  <AppendedData encoding="raw">',
    '   _',
  ].join('\n');
  const tail = '\n  </AppendedData>\n</VTKFile>\n';

  const encoder = new TextEncoder();
  const headBytes = encoder.encode(head);
  const tailBytes = encoder.encode(tail);
  const values = toFortranBytes(data, depth, height, width);
  const out = new Uint8Array(headBytes.length + HEADER_BYTES + values.length + tailBytes.length);
  out.set(headBytes);
  new DataView(out.buffer).setBigUint64(headBytes.length, BigInt(values.length), true);
  out.set(values, headBytes.length + HEADER_BYTES);
  out.set(tailBytes, headBytes.length + HEADER_BYTES + values.length);
  return out;
}

/** Returns the volume's bytes with D varying fastest, then H, then W. */
function toFortranBytes(data: Float32Array | Uint8Array, depth: number, height: number, width: number): Uint8Array {
  const out = data instanceof Float32Array ? new Float32Array(data.length) : new Uint8Array(data.length);
  let source = 0;
  for (let d = 0; d < depth; d++) {
    for (let h = 0; h < height; h++) {
      for (let w = 0; w < width; w++) out[d + depth * (h + height * w)] = data[source++]!;
    }
  }
  return new Uint8Array(out.buffer);
}

function escapeXmlAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

const VALUE_TYPES = {
  Float32: { size: 4, read: (view: DataView, at: number) => view.getFloat32(at, true) },
  Float64: { size: 8, read: (view: DataView, at: number) => view.getFloat64(at, true) },
  UInt8: { size: 1, read: (view: DataView, at: number) => view.getUint8(at) },
} as const;
type ValueType = keyof typeof VALUE_TYPES;

type Attributes = Map<string, string>;

/**
 * Reads a single-array ImageData file: what we write, and the reference's ASCII files;
 * raw-appended or base64-inline binary data, UInt32 or UInt64 headers, no compression.
 * Returns the volume as (D, H, W) in C order, D being VTK's x axis.
 */
export function readVti(bytes: Uint8Array, file: string): HostTensor {
  const fail = (problem: string) => new FormatError(file, problem);
  const { xml, appended } = splitAppendedData(bytes, fail);
  const elements = parseElements(xml, fail);
  const named = (tag: string) => elements.filter((element) => element.name === tag);

  const root = requireElement(named('VTKFile'), 'VTKFile', fail);
  const rootAttribute = (key: string) => quote(root.get(key) ?? '');
  if (root.get('type') !== 'ImageData') throw fail(`VTK file type is ${rootAttribute('type')}, expected ImageData`);
  if (root.get('byte_order') !== 'LittleEndian') throw fail(`VTK byte_order ${rootAttribute('byte_order')} is not supported`);
  if (root.has('compressor')) throw fail(`compressed VTK data (${rootAttribute('compressor')}) is not supported; save it uncompressed`);
  const headerType = root.get('header_type') ?? 'UInt32';
  if (headerType !== 'UInt32' && headerType !== 'UInt64') throw fail(`VTK header_type ${quote(headerType)} is not supported`);

  const wholeExtent = parseExtent(requireElement(named('ImageData'), 'ImageData', fail).get('WholeExtent'), fail);
  const pieces = named('Piece');
  if (pieces.length !== 1) throw fail(`expected one Piece, found ${pieces.length}`);
  if (parseExtent(pieces[0]!.attributes.get('Extent'), fail).join(' ') !== wholeExtent.join(' ')) {
    throw fail('the Piece extent differs from the WholeExtent');
  }
  const shape = [0, 2, 4].map((axis) => wholeExtent[axis + 1]! - wholeExtent[axis]! + 1) as [number, number, number];
  const count = shape[0] * shape[1] * shape[2];

  const arrays = named('DataArray').filter((element) => element.parent?.name === 'PointData');
  if (arrays.length !== 1) throw fail(`expected one PointData DataArray, found ${arrays.length}`);
  const array = arrays[0]!;
  const type = array.attributes.get('type') ?? '';
  if (!Object.hasOwn(VALUE_TYPES, type)) throw fail(`DataArray type ${quote(type)} is not supported (Float32, Float64, UInt8)`);
  if ((array.attributes.get('NumberOfComponents') ?? '1') !== '1') throw fail('DataArray must have one component');
  const values = readValues(array, VALUE_TYPES[type as ValueType], headerType === 'UInt64' ? 8 : 4, count, appended, fail);
  return { shape, data: fortranToC(values, ...shape) };
}

function readValues(
  array: Element,
  valueType: (typeof VALUE_TYPES)[ValueType],
  headerSize: number,
  count: number,
  appended: Uint8Array | undefined,
  fail: (problem: string) => FormatError,
): Float32Array {
  const format = array.attributes.get('format');
  switch (format) {
    case 'ascii':
      return parseAscii(array.content, count, fail);
    case 'binary':
      return decodeValues(decodeBinaryInline(array.content, headerSize, fail), headerSize, count, valueType, fail);
    case 'appended':
      return decodeValues(appendedBlock(appended, array.attributes.get('offset'), headerSize, fail), headerSize, count, valueType, fail);
    default:
      throw fail(`DataArray format ${quote(format ?? '')} is not supported`);
  }
}

/** Raw appended data is binary and may contain anything, so only the part before it is parsed as text. */
function splitAppendedData(bytes: Uint8Array, fail: (problem: string) => FormatError): { xml: string; appended?: Uint8Array } {
  const decoder = new TextDecoder();
  const marker = indexOfAscii(bytes, '<AppendedData');
  if (marker < 0) return { xml: decoder.decode(bytes) };
  const tagEnd = bytes.indexOf(0x3e /* > */, marker);
  if (tagEnd < 0) throw fail('unterminated <AppendedData> tag (truncated?)');
  if (!/encoding\s*=\s*"raw"/.test(decoder.decode(bytes.subarray(marker, tagEnd + 1)))) {
    throw fail('only raw (not base64) AppendedData is supported');
  }
  const underscore = bytes.indexOf(0x5f /* _ */, tagEnd);
  if (underscore < 0) throw fail("AppendedData has no '_' marker");
  return { xml: decoder.decode(bytes.subarray(0, marker)), appended: bytes.subarray(underscore + 1) };
}

function appendedBlock(
  appended: Uint8Array | undefined,
  offsetText: string | undefined,
  headerSize: number,
  fail: (problem: string) => FormatError,
): Uint8Array {
  if (appended === undefined) throw fail('DataArray is appended but the file has no AppendedData');
  const offset = Number(offsetText);
  if (!Number.isSafeInteger(offset) || offset < 0 || offset + headerSize > appended.length) {
    throw fail(`DataArray offset ${quote(offsetText ?? '')} lies outside the appended data`);
  }
  const view = new DataView(appended.buffer, appended.byteOffset + offset, headerSize);
  const byteCount = Number(headerSize === 8 ? view.getBigUint64(0, true) : view.getUint32(0, true));
  const end = offset + headerSize + byteCount;
  if (end > appended.length) throw fail(`appended DataArray of ${byteCount} bytes runs past the end of the file (truncated?)`);
  if (!/^\s*<\/AppendedData>\s*<\/VTKFile>\s*$/.test(new TextDecoder().decode(appended.subarray(end)))) {
    throw fail('unexpected content after the appended data (wrong byte count?)');
  }
  return appended.subarray(offset, end);
}

/**
 * VTK writes the byte-count header and the data either as one base64 stream or as
 * two separately padded ones; a '=' inside the header's share of characters tells which.
 */
function decodeBinaryInline(content: string, headerSize: number, fail: (problem: string) => FormatError): Uint8Array {
  const text = content.replace(/\s+/g, '');
  const headerChars = Math.ceil(headerSize / 3) * 4;
  if (!text.slice(0, headerChars).includes('=')) return decodeBase64(text, fail);
  return concatBytes([decodeBase64(text.slice(0, headerChars), fail), decodeBase64(text.slice(headerChars), fail)]);
}

function decodeBase64(text: string, fail: (problem: string) => FormatError): Uint8Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw fail('DataArray binary content is not valid base64');
  }
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

function decodeValues(
  block: Uint8Array,
  headerSize: number,
  count: number,
  valueType: (typeof VALUE_TYPES)[ValueType],
  fail: (problem: string) => FormatError,
): Float32Array {
  if (block.length < headerSize) throw fail('DataArray is shorter than its byte-count header');
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  const byteCount = Number(headerSize === 8 ? view.getBigUint64(0, true) : view.getUint32(0, true));
  if (byteCount !== count * valueType.size || block.length !== headerSize + byteCount) {
    throw fail(`DataArray holds ${block.length - headerSize} bytes (header says ${byteCount}) but the extent needs ${count * valueType.size}`);
  }
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = valueType.read(view, headerSize + i * valueType.size);
  return values;
}

function parseAscii(content: string, count: number, fail: (problem: string) => FormatError): Float32Array {
  const tokens = content.trim().split(/\s+/).filter((token) => token !== '');
  if (tokens.length !== count) throw fail(`ASCII DataArray holds ${tokens.length} values but the extent needs ${count}`);
  const values = new Float32Array(count);
  tokens.forEach((token, i) => {
    const value = Number(token);
    if (Number.isNaN(value) && token.toLowerCase() !== 'nan') throw fail(`ASCII DataArray value ${quote(token)} is not a number`);
    values[i] = value;
  });
  return values;
}

function fortranToC(values: Float32Array, depth: number, height: number, width: number): Float32Array {
  const out = new Float32Array(values.length);
  let target = 0;
  for (let d = 0; d < depth; d++) {
    for (let h = 0; h < height; h++) {
      for (let w = 0; w < width; w++) out[target++] = values[d + depth * (h + height * w)]!;
    }
  }
  return out;
}

function parseExtent(text: string | undefined, fail: (problem: string) => FormatError): number[] {
  const extent = (text ?? '').trim().split(/\s+/).map(Number);
  const valid = extent.length === 6 && extent.every(Number.isSafeInteger) && [0, 2, 4].every((axis) => extent[axis + 1]! >= extent[axis]!);
  if (!valid) throw fail(`extent ${quote(text ?? '')} is not six integers lo hi lo hi lo hi`);
  return extent;
}

interface Element {
  name: string;
  attributes: Attributes;
  /** Text up to the matching close tag; empty for self-closing elements, the rest of the text for unclosed ones. */
  content: string;
  parent?: Element;
}

/** Far more than an ImageData file has; what a crafted header could make us hold is capped by these. */
const MAX_ELEMENTS = 256;
const MAX_TAG_CHARACTERS = 1 << 16;

function requireElement(elements: Element[], tag: string, fail: (problem: string) => FormatError): Attributes {
  if (elements.length !== 1) throw fail(`expected one <${tag}> element, found ${elements.length}`);
  return elements[0]!.attributes;
}

/**
 * Reads the tags of the XML text in one pass (each character is looked at a bounded
 * number of times, so crafted text cannot make it quadratic). Declarations and
 * comments are skipped; text between tags is kept only as element content.
 */
function parseElements(xml: string, fail: (problem: string) => FormatError): Element[] {
  const elements: Element[] = [];
  const open: { element: Element; contentStart: number }[] = [];
  let position = xml.indexOf('<');
  while (position >= 0) {
    const tagStart = position;
    if (xml.startsWith('<?', position) || xml.startsWith('<!--', position)) {
      const terminator = xml.startsWith('<?', position) ? '?>' : '-->';
      const end = xml.indexOf(terminator, position);
      if (end < 0) throw fail('unterminated XML declaration or comment (truncated?)');
      position = xml.indexOf('<', end + terminator.length);
      continue;
    }
    const closing = xml[position + 1] === '/';
    position += closing ? 2 : 1;
    const name = readXmlName(xml, position);
    if (name === '') throw fail(`malformed XML tag at character ${tagStart}`);
    position += name.length;
    const attributes: Attributes = new Map();
    let selfClosing = false;
    for (;;) {
      position = skipSpaces(xml, position);
      if (position - tagStart > MAX_TAG_CHARACTERS) throw fail(`XML tag ${quote(name)} is longer than ${MAX_TAG_CHARACTERS} characters`);
      if (position >= xml.length) throw fail(`unterminated XML tag ${quote(name)} (truncated?)`);
      if (xml[position] === '>') break;
      if (xml.startsWith('/>', position) && !closing) {
        selfClosing = true;
        position++;
        break;
      }
      const key = readXmlName(xml, position);
      position = skipSpaces(xml, position + key.length);
      const valueStart = skipSpaces(xml, position + 1);
      const valueEnd = xml.indexOf('"', valueStart + 1);
      if (valueEnd < 0) throw fail(`unterminated XML tag ${quote(name)} (truncated?)`);
      if (key === '' || closing || xml[position] !== '=' || xml[valueStart] !== '"') {
        throw fail(`malformed attribute in XML tag ${quote(name)}`);
      }
      if (valueEnd - tagStart > MAX_TAG_CHARACTERS) throw fail(`XML tag ${quote(name)} is longer than ${MAX_TAG_CHARACTERS} characters`);
      position = valueStart;
      if (attributes.has(key)) throw fail(`attribute ${quote(key)} repeated in ${quote(name)}`);
      attributes.set(key, xml.slice(position + 1, valueEnd));
      position = valueEnd + 1;
    }
    position++; // past '>'
    if (closing) {
      const top = open.pop();
      if (top === undefined || top.element.name !== name) throw fail(`XML close tag ${quote(name)} does not match an open tag`);
      top.element.content = xml.slice(top.contentStart, tagStart);
    } else {
      if (elements.length === MAX_ELEMENTS) throw fail(`more than ${MAX_ELEMENTS} XML elements; not an ImageData file`);
      const element: Element = { name, attributes, content: '', parent: open.at(-1)?.element };
      elements.push(element);
      if (!selfClosing) open.push({ element, contentStart: position });
    }
    position = xml.indexOf('<', position);
  }
  for (const { element, contentStart } of open) element.content = xml.slice(contentStart);
  return elements;
}

const XML_NAME_CHARACTER = /[\w:.-]/;

function readXmlName(xml: string, start: number): string {
  let end = start;
  while (end < xml.length && XML_NAME_CHARACTER.test(xml[end]!)) end++;
  return xml.slice(start, end);
}

function skipSpaces(xml: string, start: number): number {
  let position = start;
  while (position < xml.length && /\s/.test(xml[position]!)) position++;
  return position;
}

function indexOfAscii(bytes: Uint8Array, text: string): number {
  const first = text.charCodeAt(0);
  for (let i = bytes.indexOf(first); i >= 0; i = bytes.indexOf(first, i + 1)) {
    if ([...text].every((char, k) => bytes[i + k] === char.charCodeAt(0))) return i;
  }
  return -1;
}
