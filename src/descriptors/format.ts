/**
 * A descriptor value as text: counts exactly, anything else as GraSPI prints it (its C++ stores a
 * descriptor as float and writes it with an ostream's default 6 significant digits), so that our
 * output and GraSPI's logs compare digit for digit.
 */
export function formatDescriptor(value: number): string {
  if (Number.isInteger(value)) return String(value);
  const f = Math.fround(value);
  const exponent = Math.floor(Math.log10(Math.abs(f)));
  const trim = (s: string) => (s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s);
  if (exponent < -5 || exponent >= 6) {
    const [mantissa, e] = f.toExponential(5).split('e');
    const n = Number(e);
    return `${trim(mantissa)}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`;
  }
  return trim(f.toPrecision(6));
}
