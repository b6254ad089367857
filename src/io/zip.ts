import { FormatError, quote } from '../errors.js';
import { crc32 } from './crc32.js';

/** One stored (uncompressed) member of a ZIP archive; `data` is a view into the archive bytes. */
export interface ZipEntry {
  name: string;
  /** Byte offset of the member's data within the archive. */
  offset: number;
  size: number;
  data: Uint8Array;
}

const EOCD_SIGNATURE = 0x06054b50;
const EOCD_SIZE = 22;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_LOCATOR_SIZE = 20;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const CENTRAL_HEADER_SIZE = 46;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const LOCAL_HEADER_SIZE = 30;
const ZIP64_EXTRA_ID = 0x0001;
const MAX_COMMENT_LENGTH = 0xffff;
const U16_SATURATED = 0xffff;
const U32_SATURATED = 0xffffffff;
const FLAG_ENCRYPTED = 0x0001;
const FLAG_DATA_DESCRIPTOR = 0x0008;

interface CentralDirectory {
  offset: number;
  size: number;
  entryCount: number;
  /** Where the structures that follow the central directory begin. */
  end: number;
}

/**
 * Lists the members of a ZIP archive whose members are all stored (method 0),
 * as PyTorch writes them. Refuses anything it cannot vouch for.
 */
export function readZip(bytes: Uint8Array, file: string): ZipEntry[] {
  const reader = new BoundedReader(bytes, file);
  const directory = readCentralDirectoryLocation(reader);
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let position = directory.offset;
  for (let i = 0; i < directory.entryCount; i++) {
    const { entry, next } = readCentralEntry(reader, position, directory.offset);
    if (names.has(entry.name)) throw reader.error(`duplicate zip entry ${quote(entry.name)}`);
    names.add(entry.name);
    entries.push(entry);
    position = next;
  }
  if (position !== directory.offset + directory.size) {
    throw reader.error(`zip central directory size ${directory.size} does not match its ${directory.entryCount} entries`);
  }
  return entries;
}

function readCentralDirectoryLocation(reader: BoundedReader): CentralDirectory {
  const eocd = findEndOfCentralDirectory(reader);
  const diskNumber = reader.u16(eocd + 4);
  const directoryDisk = reader.u16(eocd + 6);
  const entriesOnDisk = reader.u16(eocd + 8);
  const entryCount = reader.u16(eocd + 10);
  const size = reader.u32(eocd + 12);
  const offset = reader.u32(eocd + 16);

  const locator = eocd - ZIP64_LOCATOR_SIZE;
  if (locator >= 0 && reader.u32(locator) === ZIP64_LOCATOR_SIGNATURE) {
    return readZip64Directory(reader, reader.u64(locator + 8), locator);
  }
  if ([entryCount, entriesOnDisk].includes(U16_SATURATED) || [size, offset].includes(U32_SATURATED)) {
    throw reader.error('zip end record needs ZIP64 values but there is no ZIP64 locator');
  }
  if (diskNumber !== 0 || directoryDisk !== 0 || entriesOnDisk !== entryCount) {
    throw reader.error('multi-disk zip archives are not supported');
  }
  return checkDirectoryBounds(reader, { offset, size, entryCount, end: eocd });
}

/** The end record sits at the very end, after a comment of at most 64 KiB whose length it states. */
function findEndOfCentralDirectory(reader: BoundedReader): number {
  const length = reader.bytes.length;
  if (length < EOCD_SIZE) throw reader.error('too short to be a zip archive (truncated?)');
  const lowest = Math.max(0, length - EOCD_SIZE - MAX_COMMENT_LENGTH);
  for (let position = length - EOCD_SIZE; position >= lowest; position--) {
    if (reader.u32(position) === EOCD_SIGNATURE && position + EOCD_SIZE + reader.u16(position + 20) === length) {
      return position;
    }
  }
  throw reader.error('no zip end-of-central-directory record (not a zip archive, or truncated)');
}

function readZip64Directory(reader: BoundedReader, recordOffset: number, locator: number): CentralDirectory {
  if (reader.u32(recordOffset) !== ZIP64_EOCD_SIGNATURE) {
    throw reader.error(`no ZIP64 end-of-central-directory record at ${recordOffset}`);
  }
  const diskNumber = reader.u32(recordOffset + 16);
  const directoryDisk = reader.u32(recordOffset + 20);
  const entriesOnDisk = reader.u64(recordOffset + 24);
  const entryCount = reader.u64(recordOffset + 32);
  const size = reader.u64(recordOffset + 40);
  const offset = reader.u64(recordOffset + 48);
  if (diskNumber !== 0 || directoryDisk !== 0 || entriesOnDisk !== entryCount) {
    throw reader.error('multi-disk zip archives are not supported');
  }
  if (recordOffset >= locator) throw reader.error('ZIP64 end record overlaps its locator');
  return checkDirectoryBounds(reader, { offset, size, entryCount, end: recordOffset });
}

function checkDirectoryBounds(reader: BoundedReader, directory: CentralDirectory): CentralDirectory {
  if (directory.offset + directory.size > directory.end) {
    throw reader.error(
      `zip central directory (offset ${directory.offset}, ${directory.size} bytes) runs past its end record at ${directory.end} (truncated?)`,
    );
  }
  return directory;
}

function readCentralEntry(reader: BoundedReader, position: number, directoryOffset: number): { entry: ZipEntry; next: number } {
  if (reader.u32(position) !== CENTRAL_HEADER_SIGNATURE) {
    throw reader.error(`bad zip central directory header at ${position}`);
  }
  const flags = reader.u16(position + 8);
  const method = reader.u16(position + 10);
  const nameLength = reader.u16(position + 28);
  const extraLength = reader.u16(position + 30);
  const commentLength = reader.u16(position + 32);
  const nameBytes = reader.slice(position + CENTRAL_HEADER_SIZE, nameLength);
  const name = reader.utf8(nameBytes, 'zip entry name');
  const extra = reader.slice(position + CENTRAL_HEADER_SIZE + nameLength, extraLength);

  if (flags & FLAG_ENCRYPTED) throw reader.error(`zip entry ${quote(name)} is encrypted`);
  if (method !== 0) throw reader.error(`zip entry ${quote(name)} uses compression method ${method}; only stored (0) is supported`);

  const zip64 = new Zip64Fields(reader, extra, name);
  const uncompressedSize = zip64.take(reader.u32(position + 24));
  const compressedSize = zip64.take(reader.u32(position + 20));
  const localOffset = zip64.take(reader.u32(position + 42));
  if (compressedSize !== uncompressedSize) {
    throw reader.error(`stored zip entry ${quote(name)} has compressed size ${compressedSize} != size ${uncompressedSize}`);
  }

  const offset = readLocalHeader(reader, localOffset, nameBytes, name, compressedSize);
  if (offset + compressedSize > directoryOffset) {
    throw reader.error(`zip entry ${quote(name)} (${compressedSize} bytes at ${offset}) runs past the central directory (truncated?)`);
  }
  const data = reader.slice(offset, compressedSize);
  // Python's zipfile checks this too: a flipped bit in a weight must not load silently.
  const storedCrc = reader.u32(position + 16);
  const actualCrc = crc32(data);
  if (actualCrc !== storedCrc) {
    throw reader.error(`zip entry ${quote(name)} is corrupt: CRC-32 ${hex32(actualCrc)} != stored ${hex32(storedCrc)}`);
  }
  const entry = { name, offset, size: compressedSize, data };
  return { entry, next: position + CENTRAL_HEADER_SIZE + nameLength + extraLength + commentLength };
}

/** Returns where the entry's data begins, after checking the local header agrees with the central one. */
function readLocalHeader(reader: BoundedReader, position: number, centralName: Uint8Array, name: string, size: number): number {
  if (reader.u32(position) !== LOCAL_HEADER_SIGNATURE) {
    throw reader.error(`zip entry ${quote(name)}: no local header at ${position}`);
  }
  const flags = reader.u16(position + 6);
  const method = reader.u16(position + 8);
  const nameLength = reader.u16(position + 26);
  const extraLength = reader.u16(position + 28);
  if (method !== 0) throw reader.error(`zip entry ${quote(name)}: local header says compression method ${method}`);
  const localName = reader.slice(position + LOCAL_HEADER_SIZE, nameLength);
  if (!sameBytes(localName, centralName)) throw reader.error(`zip entry ${quote(name)}: local header names a different file`);

  // With a data descriptor (PyTorch sets this flag) the local sizes are zero and the central ones rule.
  if (!(flags & FLAG_DATA_DESCRIPTOR)) {
    const extra = reader.slice(position + LOCAL_HEADER_SIZE + nameLength, extraLength);
    const zip64 = new Zip64Fields(reader, extra, name);
    const localUncompressed = zip64.take(reader.u32(position + 22));
    const localCompressed = zip64.take(reader.u32(position + 18));
    if (localUncompressed !== size || localCompressed !== size) {
      throw reader.error(`zip entry ${quote(name)}: local header size ${localCompressed} != central directory size ${size}`);
    }
  }
  return position + LOCAL_HEADER_SIZE + nameLength + extraLength;
}

/**
 * A ZIP64 extra field holds, in a fixed order, the 64-bit values of exactly those
 * header fields that were saturated (0xFFFFFFFF); `take` consumes them in that order.
 */
class Zip64Fields {
  private values: number[] = [];

  constructor(private reader: BoundedReader, extra: Uint8Array, private name: string) {
    const view = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
    for (let position = 0; position + 4 <= extra.length; ) {
      const id = view.getUint16(position, true);
      const length = view.getUint16(position + 2, true);
      if (position + 4 + length > extra.length) throw reader.error(`zip entry ${quote(name)}: extra field overruns its header`);
      if (id === ZIP64_EXTRA_ID) {
        for (let field = position + 4; field + 8 <= position + 4 + length; field += 8) {
          this.values.push(toSafeNumber(view.getBigUint64(field, true), reader, `zip entry ${quote(name)} ZIP64 field`));
        }
      }
      position += 4 + length;
    }
  }

  take(value: number): number {
    if (value !== U32_SATURATED) return value;
    const wide = this.values.shift();
    if (wide === undefined) throw this.reader.error(`zip entry ${quote(this.name)}: saturated header field without a ZIP64 value`);
    return wide;
  }
}

/** Little-endian reads that turn any out-of-range access into a FormatError. */
class BoundedReader {
  private view: DataView;
  private decoder = new TextDecoder('utf-8', { fatal: true });

  constructor(readonly bytes: Uint8Array, readonly file: string) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  error(problem: string): FormatError {
    return new FormatError(this.file, problem);
  }

  u16(position: number): number {
    this.need(position, 2);
    return this.view.getUint16(position, true);
  }

  u32(position: number): number {
    this.need(position, 4);
    return this.view.getUint32(position, true);
  }

  u64(position: number): number {
    this.need(position, 8);
    return toSafeNumber(this.view.getBigUint64(position, true), this, `64-bit zip field at ${position}`);
  }

  slice(position: number, length: number): Uint8Array {
    this.need(position, length);
    return this.bytes.subarray(position, position + length);
  }

  utf8(bytes: Uint8Array, what: string): string {
    try {
      return this.decoder.decode(bytes);
    } catch {
      throw this.error(`${what} is not valid UTF-8`);
    }
  }

  private need(position: number, length: number): void {
    if (position < 0 || position + length > this.bytes.length) {
      throw this.error(`zip structure at ${position} (+${length} bytes) lies outside the ${this.bytes.length}-byte file (truncated?)`);
    }
  }
}

function toSafeNumber(value: bigint, reader: BoundedReader, what: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw reader.error(`${what} is too large (${value})`);
  return Number(value);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

function hex32(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}
