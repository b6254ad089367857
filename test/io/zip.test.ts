import { describe, expect, it } from 'vitest';
import { crc32 } from '../../src/io/crc32.js';
import { readZip } from '../../src/io/zip.js';
import { expectFormatError } from './expect-format-error.js';
import { buildZip } from './zip-writer.js';

const encoder = new TextEncoder();
const sources = [
  { name: 'a/data.pkl', data: encoder.encode('pickle bytes') },
  { name: 'a/data/0', data: Uint8Array.from({ length: 100 }, (_, i) => i) },
  { name: 'a/empty', data: new Uint8Array(0) },
];

function entryBytes(zip: Uint8Array) {
  return readZip(zip, 'x.zip').map((entry) => [entry.name, [...entry.data]]);
}

describe('readZip', () => {
  const expected = sources.map((source) => [source.name, [...source.data]]);

  it('lists stored entries with zero-copy views of their data', () => {
    const zip = buildZip(sources);
    const entries = readZip(zip, 'x.zip');
    expect(entryBytes(zip)).toEqual(expected);
    const data = entries[1]!;
    expect(data.data.buffer).toBe(zip.buffer);
    expect(data.data.byteOffset).toBe(data.offset);
    expect(data.size).toBe(100);
    expect(data.offset % 64).toBe(0);
  });

  it('reads ZIP64 end records and extra fields', () => {
    expect(entryBytes(buildZip(sources, { zip64: true }))).toEqual(expected);
  });

  it('reads entries with data descriptors (zero sizes in local headers)', () => {
    expect(entryBytes(buildZip(sources, { dataDescriptor: true, zip64: true }))).toEqual(expected);
  });

  it('respects the byteOffset of the input view', () => {
    const zip = buildZip(sources);
    const padded = new Uint8Array(zip.length + 3);
    padded.set(zip, 3);
    expect(entryBytes(padded.subarray(3))).toEqual(expected);
  });

  it('refuses truncated archives', () => {
    const zip = buildZip(sources);
    for (const length of [0, 10, zip.length - 1, zip.length - 30, 200]) {
      expectFormatError(() => readZip(zip.subarray(0, length), 'x.zip'), 'x.zip', /zip|truncated/);
    }
  });

  it('refuses compressed entries', () => {
    const zip = buildZip(sources);
    const view = new DataView(zip.buffer);
    const directory = view.getUint32(zip.length - 6, true);
    view.setUint16(directory + 10, 8, true); // deflate
    expectFormatError(() => readZip(zip, 'x.zip'), 'x.zip', /'a\/data.pkl' uses compression method 8/);
  });

  it('refuses sizes that run outside the file', () => {
    const zip = buildZip(sources);
    const view = new DataView(zip.buffer);
    const directory = view.getUint32(zip.length - 6, true);
    view.setUint32(directory + 20, 1_000_000, true);
    view.setUint32(directory + 24, 1_000_000, true);
    expectFormatError(() => readZip(zip, 'x.zip'), 'x.zip', /runs past|does not match|size/);
  });

  it('refuses a local header that disagrees with the central directory', () => {
    const zip = buildZip(sources);
    const nameAt = 30;
    zip[nameAt] = 'b'.charCodeAt(0);
    expectFormatError(() => readZip(zip, 'x.zip'), 'x.zip', /local header names a different file/);
  });

  it('refuses a local header whose size differs', () => {
    const zip = buildZip(sources);
    new DataView(zip.buffer).setUint32(18, 5, true);
    expectFormatError(() => readZip(zip, 'x.zip'), 'x.zip', /local header size 5/);
  });

  it('refuses files that are not zip archives', () => {
    expectFormatError(() => readZip(encoder.encode('just some text that is long enough'), 'x.zip'), 'x.zip', /end-of-central-directory/);
  });

  it('refuses an entry whose data does not match its CRC-32 (one flipped bit)', () => {
    const zip = buildZip(sources);
    const data = readZip(zip, 'x.zip')[1]!;
    zip[data.offset + 37]! ^= 0x10;
    expectFormatError(() => readZip(zip, 'x.zip'), 'x.zip', /zip entry 'a\/data\/0' is corrupt: CRC-32 0x[0-9a-f]{8} != stored 0x[0-9a-f]{8}/);
  });

  it('quotes entry names safely: control characters escaped, long names cut', () => {
    const hostile = `\x1b[31mred\n${'x'.repeat(5000)}`;
    const zip = buildZip([{ name: hostile, data: new Uint8Array(4) }]);
    new DataView(zip.buffer).setUint16(new DataView(zip.buffer).getUint32(zip.length - 6, true) + 10, 8, true);
    let message = '';
    try {
      readZip(zip, 'x.zip');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("zip entry '\\x1b[31mred\\nxxx");
    expect(message).toContain('(5009 characters)');
    expect(message).not.toMatch(/[\x00-\x1f]/);
    expect(message.length).toBeLessThan(250);
  });
});

describe('crc32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('agrees with the bit-at-a-time definition at every length and offset', () => {
    const bitwise = (bytes: Uint8Array) => {
      let crc = 0xffffffff;
      for (const byte of bytes) {
        crc ^= byte;
        for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
      }
      return (crc ^ 0xffffffff) >>> 0;
    };
    const bytes = Uint8Array.from({ length: 300 }, (_, i) => (i * 151 + 17) & 0xff);
    for (let start = 0; start < 9; start++) {
      for (let length = 0; length < 40; length++) {
        const part = bytes.subarray(start, start + length * 7);
        expect(crc32(part), `${start}+${part.length}`).toBe(bitwise(part));
      }
    }
  });
});
