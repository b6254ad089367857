/**
 * float32 -> IEEE binary16 bits, rounding to nearest even as a GPU's f32 -> f16
 * conversion does; out of range goes to infinity, NaN stays NaN.
 */
export function toHalfBits(data: Float32Array): Uint16Array {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = halfBits(words[i]);
  return out;
}

function halfBits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const exp = (f >>> 23) & 0xff;
  const mant = f & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  // Unbiased exponent e: normal halves have -14 <= e <= 15.
  const e = exp - 127;
  if (e > 15) return sign | 0x7c00;
  if (e >= -14) {
    const rounded = roundShift((e + 15) * 0x400 * 0x2000 + mant, 13);
    // A carry out of the mantissa lands in the exponent, up to infinity.
    return sign | Math.min(rounded, 0x7c00);
  }
  if (e < -25) return sign;
  // Subnormal half: the implicit leading 1 joins the shifted mantissa.
  return sign | roundShift(mant | 0x800000, -1 - e);
}

/** value >> shift (value < 2^31, 1 <= shift <= 24), rounded to nearest with ties to even. */
function roundShift(value: number, shift: number): number {
  const q = value >>> shift;
  const r = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return r > half || (r === half && (q & 1) === 1) ? q + 1 : q;
}

/** binary16 bits -> number (for tests and downloads). */
export function fromHalfBits(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const mant = h & 0x3ff;
    out[i] = exp === 0x1f ? (mant ? NaN : sign * Infinity) : exp === 0 ? sign * mant * 2 ** -24 : sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  return out;
}
