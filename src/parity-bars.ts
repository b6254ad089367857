import type { Precision } from './models/precision.js';

/** mg3d check's default bar in f32: the relative error ||out - expected|| / ||expected|| a fixture tensor may have. */
export const F32_BAR = 1e-4;

/**
 * The f16 mode's bars against float64 references (relative, over a whole
 * tensor): one UNet evaluation, and the full sampling loop.
 */
export const F16_BARS = { unet: 3e-3, sample: 1e-2 } as const;

/** The bar for fixture tensor `name`: in f16 the UNet's cases have their own, the f32 stages keep F32_BAR. */
export function parityBar(name: string, precision: Precision): number {
  if (precision === 'f16' && name.startsWith('unet.')) return F16_BARS.unet;
  if (precision === 'f16' && name.startsWith('sample.')) return F16_BARS.sample;
  return F32_BAR;
}
