/** Formats a table as CSV (RFC 4180 quoting, '\n' line ends), numbers as the shortest text that reads back as the same float32. */
export function formatCsv(header: readonly string[], rows: readonly (readonly number[])[]): string {
  const lines = [header.map(quoteCell).join(',')];
  for (const [index, row] of rows.entries()) {
    if (row.length !== header.length) throw new RangeError(`csv: row ${index} has ${row.length} values for ${header.length} columns`);
    lines.push(row.map(formatFloat32).join(','));
  }
  return lines.join('\n') + '\n';
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
