import { FormatError, quote } from '../errors.js';

/** Formats a table as CSV (RFC 4180 quoting, '\n' line ends), numbers as the shortest text that reads back as the same float32. */
export function formatCsv(header: readonly string[], rows: readonly (readonly number[])[]): string {
  return formatCsvHeader(header) + rows.map((row, index) => formatCsvRow(row, header.length, index)).join('');
}

/** The header line of formatCsv's output, so that rows can be appended one at a time. */
export function formatCsvHeader(header: readonly string[]): string {
  return header.map(quoteCell).join(',') + '\n';
}

/** One row line of formatCsv's output (`index` names the row in errors). */
export function formatCsvRow(row: readonly number[], columns: number, index = 0): string {
  if (row.length !== columns) throw new RangeError(`csv: row ${index} has ${row.length} values for ${columns} columns`);
  return row.map(formatFloat32).join(',') + '\n';
}

/** Our values are float32; their shortest round-trip text has at most 9 significant digits. */
export function formatFloat32(value: number): string {
  const single = Math.fround(value);
  if (!Number.isFinite(single)) return String(single);
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(single.toPrecision(digits)));
    if (Math.fround(Number(text)) === single) return text;
  }
  return String(Number(single.toPrecision(9)));
}

function quoteCell(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

/** A numeric table as formatCsv writes it: a header of names, then rows of numbers. */
export interface NumericTable {
  header: string[];
  rows: number[][];
}

/** Reads what formatCsv writes (quoted header cells, numeric rows); `file` names the source in errors. */
export function parseCsv(text: string, file: string): NumericTable {
  const lines = splitCsvRecords(text, file);
  if (lines.length === 0 || lines[0].length === 0) throw new FormatError(file, 'empty CSV: no header line');
  const [header, ...body] = lines;
  const rows = body.map((cells, r) => {
    if (cells.length !== header.length) throw new FormatError(file, `line ${r + 2} has ${cells.length} cells for ${header.length} columns`);
    return cells.map((cell, c) => {
      const value = cell.trim() === '' ? NaN : Number(cell);
      if (Number.isNaN(value) && cell !== 'NaN') throw new FormatError(file, `line ${r + 2}, column ${quote(header[c]!)}: ${quote(cell)} is not a number`);
      return value;
    });
  });
  return { header, rows };
}

function splitCsvRecords(text: string, file: string): string[][] {
  const records: string[][] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') {
      quoted = true;
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      cells.push(cell);
      records.push(cells);
      cells = [];
      cell = '';
      if (ch === '\r' && text[i + 1] === '\n') i++;
    } else {
      cell += ch;
    }
    i++;
  }
  if (quoted) throw new FormatError(file, 'a quoted cell is never closed');
  if (cell !== '' || cells.length) records.push([...cells, cell]);
  return records.filter((r) => !(r.length === 1 && r[0] === ''));
}
