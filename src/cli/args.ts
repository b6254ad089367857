import { UsageError } from '../errors.js';
import { PRECISIONS, type Precision } from '../models/precision.js';

/**
 * The comma-separated parts of a list flag's value. An empty part
 * ('0.5,,0.4', a trailing comma) is an error, never a silent 0 or a dropped value.
 */
export function splitList(flag: string, value: string): string[] {
  const parts = value.split(',').map((s) => s.trim());
  const empty = parts.findIndex((p) => p === '');
  if (empty >= 0) throw new UsageError(`--${flag}: value ${empty + 1} of '${value}' is empty`);
  return parts;
}

export function parseIntList(flag: string, value: string, length?: number): number[] {
  const parts = splitList(flag, value).map(Number);
  if (parts.some((v) => !Number.isSafeInteger(v) || v <= 0) || (length !== undefined && parts.length !== length)) {
    throw new UsageError(`--${flag} wants ${length ?? 'a list of'} positive integers separated by commas, got '${value}'`);
  }
  return parts;
}

export function parseNumberList(flag: string, value: string): number[] {
  const parts = splitList(flag, value);
  const bad = parts.find((p) => !Number.isFinite(Number(p)));
  if (bad !== undefined) throw new UsageError(`--${flag} wants numbers separated by commas; '${bad}' in '${value}' is not a finite number`);
  return parts.map(Number);
}

export interface NumberRange {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function parseNumber(flag: string, value: string, { min = -Infinity, max = Infinity, integer = false }: NumberRange = {}): number {
  const v = Number(value);
  if (value.trim() === '' || !Number.isFinite(v) || v < min || v > max || (integer && !Number.isInteger(v))) {
    const range = [min > -Infinity ? `>= ${min}` : '', max < Infinity ? `<= ${max}` : ''].filter(Boolean).join(' and ');
    throw new UsageError(`--${flag} wants ${integer ? 'an integer' : 'a number'}${range ? ` ${range}` : ''}, got '${value}'`);
  }
  return v;
}

export function parseBoolean(flag: string, value: string): boolean {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new UsageError(`--${flag} wants true or false, got '${value}'`);
}

/** The --precision flag's value; f32 when not given. */
export function parsePrecision(value: string | undefined): Precision {
  if (value === undefined) return 'f32';
  if (!(PRECISIONS as readonly string[]).includes(value)) throw new UsageError(`--precision must be f32 or f16, got '${value}'`);
  return value as Precision;
}

/** --threshold T[,T2]: one phase threshold, or two ascending ones for three phases; default 0.5. */
export function parseThresholds(value: string | undefined): number[] {
  const thresholds = value === undefined ? [0.5] : parseNumberList('threshold', value);
  if (thresholds.length > 2 || (thresholds.length === 2 && !(thresholds[0]! < thresholds[1]!))) {
    throw new UsageError(`--threshold wants one value, or two ascending values for three phases, got '${value}'`);
  }
  // Volumes lie in [0, 1]: a threshold outside (0, 1) makes every voxel one phase.
  if (thresholds.some((t) => !(t > 0 && t < 1))) throw new UsageError(`--threshold: values must lie strictly between 0 and 1 (volumes are in [0, 1]), got '${value}'`);
  return thresholds;
}
