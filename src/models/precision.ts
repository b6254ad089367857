import { UsageError } from '../errors.js';

/**
 * How the UNet stores its convolutions: f32, or f16 weights and padded inputs
 * with f32 sums. The kernels read f16 as packed pairs (unpack2x16float, core
 * WGSL), so any adapter runs it. Everything else stays f32.
 */
export type Precision = 'f32' | 'f16';

export const PRECISIONS: readonly Precision[] = ['f32', 'f16'];

/**
 * The f16 mode's error bars against float64 references (relative, over a whole
 * tensor): one UNet evaluation, and the full sampling loop.
 */
export const F16_TOLERANCE = { unet: 3e-3, sample: 1e-2 } as const;

/** The --precision flag's value; f32 when not given. */
export function parsePrecision(value: string | undefined): Precision {
  if (value === undefined) return 'f32';
  if (!(PRECISIONS as readonly string[]).includes(value)) throw new UsageError(`--precision must be f32 or f16, got '${value}'`);
  return value as Precision;
}
