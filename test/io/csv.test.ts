import { describe, expect, it } from 'vitest';
import { formatCsv, formatFloat32, parseCsv } from '../../src/io/csv.js';
import { expectFormatError } from './expect-format-error.js';

describe('formatFloat32', () => {
  it('prints the shortest text that reads back as the same float32', () => {
    const values = [0.1, 1 / 3, Math.PI, 1e-30, 123456789, -2.5, 0, 16777217, 3.4028234663852886e38, 1.401298464324817e-45];
    for (const value of values) {
      const text = formatFloat32(value);
      expect(Math.fround(Number(text)), `${value} -> ${text}`).toBe(Math.fround(value));
      expect(text.replace(/^-|e.*$|\./g, '').replace(/^0+/, '').length, text).toBeLessThanOrEqual(9);
    }
    expect(formatFloat32(Math.fround(0.1))).toBe('0.1');
    expect(formatFloat32(Math.fround(1 / 3))).toBe('0.33333334');
    expect(formatFloat32(2)).toBe('2');
    expect(formatFloat32(NaN)).toBe('NaN');
    expect(formatFloat32(-Infinity)).toBe('-Infinity');
  });
});

describe('formatCsv', () => {
  it('writes a header and one line per row', () => {
    expect(formatCsv(['ABS_f_D', 'phi'], [[Math.fround(0.45), 2], [1 / 3, -1e-7]])).toBe('ABS_f_D,phi\n0.45,2\n0.33333334,-1e-7\n');
  });

  it('quotes header cells that need it', () => {
    expect(formatCsv(['a,b', 'say "hi"'], [])).toBe('"a,b","say ""hi"""\n');
  });

  it('refuses rows of the wrong width', () => {
    expect(() => formatCsv(['a', 'b'], [[1]])).toThrow(/row 0 has 1 values for 2 columns/);
  });
});

describe('parseCsv', () => {
  it('reads back what formatCsv writes', () => {
    const header = ['ABS_f_D', 'a,b', 'say "hi"'];
    const rows = [[0.45, 2, -1e-7], [NaN, Infinity, 0]];
    const table = parseCsv(formatCsv(header, rows), 'x.csv');
    expect(table.header).toEqual(header);
    expect(table.rows).toEqual(rows.map((r) => r.map((v) => Number(formatFloat32(v)))));
  });

  it('takes CRLF line ends and a missing final newline', () => {
    expect(parseCsv('a,b\r\n1,2\r\n3,4', 'x.csv')).toEqual({ header: ['a', 'b'], rows: [[1, 2], [3, 4]] });
  });

  it('names the file, line and column of a bad cell', () => {
    expectFormatError(() => parseCsv('a,b\n1,2\n3,x\n', 'run/x.csv'), 'run/x.csv', /line 3, column 'b': 'x' is not a number/);
    expectFormatError(() => parseCsv('a,b\n1,\n', 'x.csv'), 'x.csv', /line 2, column 'b': '' is not a number/);
    expectFormatError(() => parseCsv('a,b\n1\n', 'x.csv'), 'x.csv', /line 2 has 1 cells for 2 columns/);
    expectFormatError(() => parseCsv('', 'x.csv'), 'x.csv', /empty CSV/);
    expectFormatError(() => parseCsv('"a,b\n', 'x.csv'), 'x.csv', /quoted cell is never closed/);
  });
});
