/**
 * Plain-text table: the first `leftColumns` columns left-aligned (names), the
 * others right-aligned (numbers). A row shorter than the header lets its last
 * cell run on unpadded (for "skipped: ..." notes).
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[], leftColumns = 1): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.filter((r) => r.length === header.length).map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    '  ' +
    cells
      .map((c, i) => {
        if (cells.length < header.length && i === cells.length - 1) return c;
        return i < leftColumns ? c.padEnd(widths[i]) : c.padStart(widths[i]);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

/** Fixed decimals chosen by magnitude, so columns stay readable from microseconds to minutes. */
export function formatNumber(value: number): string {
  const a = Math.abs(value);
  return value.toFixed(a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3);
}

export const mebibytes = (bytes: number): string => (bytes / 2 ** 20).toFixed(0);
