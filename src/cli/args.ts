import { UsageError } from '../errors.js';
import { PRECISIONS, type Precision } from '../models/precision.js';

export function parseIntList(flag: string, value: string, length?: number): number[] {
  const parts = value.split(',').map((s) => Number(s.trim()));
  if (parts.some((v) => !Number.isInteger(v) || v <= 0) || (length !== undefined && parts.length !== length)) {
    throw new UsageError(`--${flag} wants ${length ?? 'a list of'} positive integers separated by commas, got '${value}'`);
  }
  return parts;
}

export function parseNumber(flag: string, value: string, { min = -Infinity, integer = false } = {}): number {
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new UsageError(`--${flag} wants ${integer ? 'an integer' : 'a number'}${min > -Infinity ? ` >= ${min}` : ''}, got '${value}'`);
  }
  return v;
}

export function parseBoolean(flag: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new UsageError(`--${flag} wants true or false, got '${value}'`);
}

export function parseNameList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The --precision flag's value; f32 when not given. */
export function parsePrecision(value: string | undefined): Precision {
  if (value === undefined) return 'f32';
  if (!(PRECISIONS as readonly string[]).includes(value)) throw new UsageError(`--precision must be f32 or f16, got '${value}'`);
  return value as Precision;
}

/** --threshold T[,T2]: one phase threshold, or two ascending ones for three phases; default 0.5. */
export function parseThresholds(value: string | undefined): number[] {
  const thresholds = value === undefined ? [0.5] : value.split(',').map((t) => parseNumber('threshold', t));
  if (thresholds.length > 2 || (thresholds.length === 2 && !(thresholds[0] < thresholds[1]))) {
    throw new UsageError(`--threshold wants one value, or two ascending values for three phases, got '${value}'`);
  }
  return thresholds;
}
