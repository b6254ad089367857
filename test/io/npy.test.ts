import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/io/npy.js';
import { expectFormatError } from './expect-format-error.js';

const FILE = 'volume.npy';

/** A .npy file from a header dict text and raw data bytes. */
function npyFile(dict: string, data: Uint8Array, major = 1): Uint8Array {
  const header = new TextEncoder().encode(`${dict}\n`);
  const lengthBytes = major === 1 ? 2 : 4;
  const out = new Uint8Array(8 + lengthBytes + header.length + data.length);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), major, 0]);
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, 8 + lengthBytes);
  out.set(data, 8 + lengthBytes + header.length);
  return out;
}

function bytesOf(array: ArrayBufferView): Uint8Array {
  return new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
}

describe('writeNpy', () => {
  it('writes float32 in C order with a 64-byte aligned header', () => {
    const data = Float32Array.of(1, 2, 3, 4, 5, 6);
    const bytes = writeNpy([2, 3], data);
    const headerLength = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + headerLength) % 64).toBe(0);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    expect(header.trimEnd()).toBe("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
    expect(header.endsWith('\n')).toBe(true);
    expect(readNpy(bytes, FILE)).toEqual({ shape: [2, 3], data });
  });

  it('writes uint8 and one- and zero-dimensional shapes', () => {
    const bytes = writeNpy([4], Uint8Array.of(0, 1, 255, 7));
    expect(new TextDecoder().decode(bytes.subarray(10, 64))).toContain("'descr': '|u1'");
    expect(new TextDecoder().decode(bytes.subarray(10, 64))).toContain("'shape': (4,)");
    expect(readNpy(bytes, FILE)).toEqual({ shape: [4], data: Float32Array.of(0, 1, 255, 7) });
    expect(readNpy(writeNpy([], Float32Array.of(2.5)), FILE)).toEqual({ shape: [], data: Float32Array.of(2.5) });
  });

  it('refuses data that does not match its shape', () => {
    expect(() => writeNpy([3], new Float32Array(2))).toThrow(RangeError);
  });
});

describe('readNpy', () => {
  it('converts numeric dtypes to float32', () => {
    const cases: [string, ArrayBufferView, number[]][] = [
      ['<f8', Float64Array.of(0.1, -3), [Math.fround(0.1), -3]],
      ['<i8', BigInt64Array.of(-5n, 1n << 40n), [-5, 2 ** 40]],
      ['|b1', Uint8Array.of(0, 1, 2), [0, 1, 1]],
      ['|i1', Int8Array.of(-128, 127), [-128, 127]],
      ['<u2', Uint16Array.of(65535), [65535]],
      ['<i4', Int32Array.of(-7), [-7]],
    ];
    for (const [descr, data, expected] of cases) {
      const count = expected.length;
      const bytes = npyFile(`{'descr': '${descr}', 'fortran_order': False, 'shape': (${count},), }`, bytesOf(data));
      expect(readNpy(bytes, FILE), descr).toEqual({ shape: [count], data: Float32Array.from(expected) });
    }
  });

  it('reads big-endian data', () => {
    const data = new Uint8Array(4);
    new DataView(data.buffer).setFloat32(0, 1.5, false);
    expect(readNpy(npyFile("{'descr': '>f4', 'fortran_order': False, 'shape': (1,)}", data), FILE).data).toEqual(Float32Array.of(1.5));
  });

  it('reorders Fortran-order arrays into C order', () => {
    // The 2x3 matrix [[0, 1, 2], [3, 4, 5]] stored column by column.
    const columnMajor = Float32Array.of(0, 3, 1, 4, 2, 5);
    const bytes = npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", bytesOf(columnMajor));
    expect(readNpy(bytes, FILE)).toEqual({ shape: [2, 3], data: Float32Array.of(0, 1, 2, 3, 4, 5) });
    const cube = Float32Array.from({ length: 24 }, (_, i) => i);
    const fortranCube = npyFile("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 4), }", bytesOf(cube));
    // element [d, h, w] sits at d + 2 * (h + 3 * w) in column-major order
    expect(readNpy(fortranCube, FILE).data[1 * 12 + 2 * 4 + 3]).toBe(1 + 2 * (2 + 3 * 3));
  });

  it('reads format versions 2 and 3 (4-byte header length, UTF-8 header)', () => {
    for (const major of [2, 3]) {
      const bytes = npyFile('{"descr": "<f4", "shape": (1, 1), "fortran_order": False}', bytesOf(Float32Array.of(9)), major);
      expect(readNpy(bytes, FILE)).toEqual({ shape: [1, 1], data: Float32Array.of(9) });
    }
  });

  describe('refuses', () => {
    const valid = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
    const two = bytesOf(Float32Array.of(1, 2));

    it('a file without the magic', () => {
      expectFormatError(() => readNpy(new TextEncoder().encode('PK\x03\x04 not numpy'), FILE), FILE, /bad magic/);
    });

    it('unknown format versions', () => {
      expectFormatError(() => readNpy(npyFile(valid, two, 4), FILE), FILE, /unsupported .npy format version 4.0/);
    });

    it('a header longer than the file', () => {
      expectFormatError(() => readNpy(npyFile(valid, two).subarray(0, 30), FILE), FILE, /longer than the file/);
    });

    it('data whose length does not match the shape', () => {
      expectFormatError(() => readNpy(npyFile(valid, two.subarray(0, 6)), FILE), FILE, /holds 6 bytes but shape \[2\] of '<f4' needs 8/);
      expectFormatError(() => readNpy(npyFile(valid, new Uint8Array(12)), FILE), FILE, /holds 12 bytes/);
    });

    it('unsupported dtypes', () => {
      for (const descr of ['<c8', '|O', '<U3', '<M8[ns]']) {
        const bytes = npyFile(`{'descr': '${descr}', 'fortran_order': False, 'shape': (2,), }`, two);
        expectFormatError(() => readNpy(bytes, FILE), FILE, /dtype .* is not supported/);
      }
    });

    it('malformed headers', () => {
      for (const dict of ["{'descr': '<f4', 'shape': (2,)}", "{'descr': '<f4', 'fortran_order': maybe, 'shape': (2,)}", 'not a dict', "{'descr': '<f4' 'fortran_order': False, 'shape': (2,)}"]) {
        expectFormatError(() => readNpy(npyFile(dict, two), FILE), FILE, /.npy header/);
      }
    });
  });
});
