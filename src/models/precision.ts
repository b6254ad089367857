/**
 * How the UNet stores its convolutions: f32, or f16 weights and padded inputs
 * with f32 sums. The kernels read f16 as packed pairs (unpack2x16float, core
 * WGSL), so any adapter runs it. Everything else stays f32.
 */
export type Precision = 'f32' | 'f16';

export const PRECISIONS: readonly Precision[] = ['f32', 'f16'];
