import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../src/io/concat-bytes.js';
import { readVti, writeVti } from '../../src/io/vti.js';
import { expectFormatError } from './expect-format-error.js';

const FILE = 'sample.vti';
const [D, H, W] = [2, 3, 4];
const volume = Float32Array.from({ length: D * H * W }, (_, i) => i + 0.25);

/** The volume's values with D varying fastest: the order the reference MicroGen3D code writes. */
const fortranValues = (() => {
  const out: number[] = [];
  for (let w = 0; w < W; w++) for (let h = 0; h < H; h++) for (let d = 0; d < D; d++) out.push(volume[(d * H + h) * W + w]!);
  return out;
})();

/** Checks that every tag opened is closed in order (a minimal well-formedness check). */
function expectBalancedTags(xml: string): void {
  const open: string[] = [];
  for (const [, closing, name, selfClosing] of xml.matchAll(/<(\/?)([A-Za-z]+)(?:\s+[\w:]+="[^"<>]*")*\s*(\/?)>/g)) {
    if (selfClosing) continue;
    if (closing) expect(open.pop()).toBe(name);
    else open.push(name!);
  }
  expect(open).toEqual([]);
}

function imageFile(dataArray: string, headerType = ' header_type="UInt64"'): string {
  return [
    '<?xml version="1.0"?>',
    `<VTKFile type="ImageData" version="1.0" byte_order="LittleEndian"${headerType}>`,
    `<ImageData WholeExtent="0 ${D - 1} 0 ${H - 1} 0 ${W - 1}" Origin="0 0 0" Spacing="1 1 1">`,
    `<Piece Extent="0 ${D - 1} 0 ${H - 1} 0 ${W - 1}">`,
    '<PointData Scalars="phi">',
    dataArray,
    '</PointData>',
    '</Piece>',
    '</ImageData>',
    '</VTKFile>',
    '',
  ].join('\n');
}

/** Where the '_' that opens the raw appended data sits. */
function dataMarker(bytes: Uint8Array): number {
  const text = new TextDecoder('latin1').decode(bytes);
  return text.indexOf('_', text.indexOf('<AppendedData'));
}

const concat = (...parts: Uint8Array[]) => concatBytes(parts);

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function countHeader(byteCount: number, size: 4 | 8): Uint8Array {
  const header = new DataView(new ArrayBuffer(size));
  if (size === 8) header.setBigUint64(0, BigInt(byteCount), true);
  else header.setUint32(0, byteCount, true);
  return new Uint8Array(header.buffer);
}

describe('writeVti', () => {
  const bytes = writeVti([D, H, W], volume, 'phi');
  const underscore = dataMarker(bytes);
  const head = new TextDecoder().decode(bytes.subarray(0, underscore));

  it('writes the ImageData header ParaView expects', () => {
    expect(head).toContain('<VTKFile type="ImageData" version="1.0" byte_order="LittleEndian" header_type="UInt64">');
    expect(head).toContain('<ImageData WholeExtent="0 1 0 2 0 3" Origin="0 0 0" Spacing="1 1 1">');
    expect(head).toContain('<Piece Extent="0 1 0 2 0 3">');
    expect(head).toContain('<DataArray type="Float32" Name="phi" NumberOfComponents="1" format="appended" offset="0"/>');
    expect(head.trimEnd().endsWith('<AppendedData encoding="raw">')).toBe(true);
  });

  it('is well-formed around the raw data', () => {
    const view = new DataView(bytes.buffer, bytes.byteOffset + underscore + 1);
    const byteCount = Number(view.getBigUint64(0, true));
    expect(byteCount).toBe(D * H * W * 4);
    const tail = new TextDecoder().decode(bytes.subarray(underscore + 1 + 8 + byteCount));
    expect(tail).toBe('\n  </AppendedData>\n</VTKFile>\n');
    expectBalancedTags(head + tail);
  });

  it('stores values with D fastest, like the reference code', () => {
    const data = bytes.slice(underscore + 1 + 8, underscore + 1 + 8 + D * H * W * 4);
    expect([...new Float32Array(data.buffer)]).toEqual(fortranValues.map(Math.fround));
  });

  it('writes UInt8 volumes and escapes the array name', () => {
    const phases = Uint8Array.from({ length: D * H * W }, (_, i) => i % 2);
    const written = writeVti([D, H, W], phases, 'a<"b">');
    const text = new TextDecoder().decode(written.subarray(0, dataMarker(written)));
    expect(text).toContain('type="UInt8" Name="a&#60;&#34;b&#34;&#62;"');
    expect(readVti(written, FILE)).toEqual({ shape: [D, H, W], data: Float32Array.from(phases) });
  });

  it('refuses shapes that are not three positive sizes', () => {
    expect(() => writeVti([2, 3], new Float32Array(6), 'x')).toThrow(RangeError);
    expect(() => writeVti([2, 3, 4], new Float32Array(5), 'x')).toThrow(RangeError);
  });
});

describe('readVti', () => {
  it('round-trips what we write', () => {
    expect(readVti(writeVti([D, H, W], volume, 'phi'), FILE)).toEqual({ shape: [D, H, W], data: volume });
  });

  it('reads the reference ASCII Float64 files', () => {
    const text = imageFile(`<DataArray type="Float64" Name="phi" format="ascii">\n${fortranValues.join(' ')} \n</DataArray>`, '');
    expect(readVti(new TextEncoder().encode(text), FILE)).toEqual({ shape: [D, H, W], data: volume });
  });

  it('reads raw appended Float64 with a UInt32 header', () => {
    const values = new Uint8Array(Float64Array.from(fortranValues).buffer);
    const head = new TextEncoder().encode(
      imageFile('<DataArray type="Float64" Name="phi" format="appended" offset="0"/>', ' header_type="UInt32"').replace(
        '</VTKFile>\n',
        '<AppendedData encoding="raw">\n_',
      ),
    );
    const file = concat(head, countHeader(values.length, 4), values, new TextEncoder().encode('\n</AppendedData>\n</VTKFile>\n'));
    expect(readVti(file, FILE)).toEqual({ shape: [D, H, W], data: volume });
  });

  it('reads inline base64 with the header encoded jointly or separately', () => {
    const values = new Uint8Array(Float32Array.from(fortranValues).buffer);
    for (const size of [4, 8] as const) {
      const headerType = size === 8 ? ' header_type="UInt64"' : '';
      const joint = base64(concat(countHeader(values.length, size), values));
      const separate = base64(countHeader(values.length, size)) + base64(values);
      for (const content of [joint, separate]) {
        const text = imageFile(`<DataArray type="Float32" Name="phi" format="binary">\n${content}\n</DataArray>`, headerType);
        expect(readVti(new TextEncoder().encode(text), FILE)).toEqual({ shape: [D, H, W], data: volume });
      }
    }
  });

  describe('refuses', () => {
    const ours = writeVti([D, H, W], volume, 'phi');

    it('a truncated file', () => {
      expectFormatError(() => readVti(ours.subarray(0, ours.length - 40), FILE), FILE, /runs past the end|after the appended data/);
      expectFormatError(() => readVti(ours.subarray(0, 100), FILE), FILE, /truncated/);
    });

    it('a byte count that does not match the extent', () => {
      const text = imageFile(`<DataArray type="Float32" Name="phi" format="binary">${base64(concat(countHeader(8, 8), new Uint8Array(8)))}</DataArray>`);
      expectFormatError(() => readVti(new TextEncoder().encode(text), FILE), FILE, /holds 8 bytes .* needs 96/);
    });

    it('compressed data', () => {
      const text = imageFile('<DataArray type="Float32" format="binary">AAAA</DataArray>').replace('header_type="UInt64"', 'header_type="UInt64" compressor="vtkZLibDataCompressor"');
      expectFormatError(() => readVti(new TextEncoder().encode(text), FILE), FILE, /compressed VTK data \('vtkZLibDataCompressor'\)/);
    });

    it('big-endian data', () => {
      const text = imageFile('<DataArray type="Float32" format="ascii">1</DataArray>').replace('LittleEndian', 'BigEndian');
      expectFormatError(() => readVti(new TextEncoder().encode(text), FILE), FILE, /byte_order 'BigEndian'/);
    });

    it('other array types, several arrays, or several components', () => {
      const cases: [string, RegExp][] = [
        ['<DataArray type="Int32" format="ascii">1</DataArray>', /type 'Int32' is not supported/],
        ['<DataArray type="Float32" format="ascii">1</DataArray><DataArray type="Float32" format="ascii">1</DataArray>', /found 2/],
        ['<DataArray type="Float32" NumberOfComponents="3" format="ascii">1</DataArray>', /one component/],
        ['<DataArray type="Float32" format="ascii">1 2 x</DataArray>', /holds 3 values but the extent needs 24/],
      ];
      for (const [array, problem] of cases) expectFormatError(() => readVti(new TextEncoder().encode(imageFile(array)), FILE), FILE, problem);
    });

    it('files that are not ImageData', () => {
      const text = imageFile('<DataArray type="Float32" format="ascii">1</DataArray>').replace('type="ImageData"', 'type="UnstructuredGrid"');
      expectFormatError(() => readVti(new TextEncoder().encode(text), FILE), FILE, /type is 'UnstructuredGrid'/);
    });

    it('in linear time, with header sizes capped', () => {
      const encode = (text: string) => new TextEncoder().encode(text);
      const cases: [string, RegExp][] = [
        // each hung past 60 s or took 37 s
        [`<VTKFile ${'a'.repeat(300_000)}`, /unterminated XML tag 'VTKFile' \(truncated/],
        [`<VTKFile ${Array.from({ length: 60_000 }, (_, i) => `a${i}="b"`).join(' ')}>`, /longer than 65536 characters/],
        ['<Piece>'.repeat(150_000), /more than 256 XML elements/],
        [`<VTKFile type="${'x'.repeat(1_000_000)}">`, /longer than 65536 characters/],
        ['<PointData>'.repeat(100_000), /more than 256 XML elements/],
        [`<VTKFile ${'<'.repeat(300_000)}`, /unterminated XML tag 'VTKFile'/],
      ];
      for (const [text, problem] of cases) {
        const started = performance.now();
        expectFormatError(() => readVti(encode(text), FILE), FILE, problem);
        expect(performance.now() - started, text.slice(0, 20)).toBeLessThan(10_000);
      }
    });

    it('quoting attribute values safely', () => {
      const hostile = `Int32\n\x1b[2J${'y'.repeat(500)}`;
      const text = imageFile(`<DataArray type="${hostile}" format="ascii">1</DataArray>`);
      expectFormatError(() => readVti(new TextEncoder().encode(text), FILE), FILE, /type 'Int32\\n\\x1b\[2Jy+\.\.\.' \(510 characters\) is not supported/);
    });
  });
});

