import { convertCheckpoints, type CheckpointSet } from '../convert.js';
import { UsageError } from '../errors.js';
import { PRESETS } from '../models/config.js';
import type { FileSource } from '../models/model.js';
import { randomCheckpoints } from '../models/random-model.js';

/** Benched variants and the preset each takes its shapes from (the CH 2- and 3-phase models share every width). */
export const BENCH_VARIANTS = { experimental: 'experimental', ch: 'ch-2phase' } as const;
export type BenchVariant = keyof typeof BENCH_VARIANTS;

/** Widths of the published checkpoints (MODEL.md). */
export const PUBLISHED = { nFeat: 512, vaeMaxChannels: 512, timesteps: 1000 } as const;

/** A --n-feat value: the UNet's GroupNorm splits n_feat channels into 8 groups. */
export function checkUnetWidth(nFeat: number): number {
  if (nFeat % 8) throw new UsageError(`--n-feat wants a multiple of 8 (the UNet's GroupNorm has 8 groups), got ${nFeat}`);
  return nFeat;
}

/**
 * A model folder's files, in memory, holding random weights in the published
 * layout: the variant's shapes, the published VAE, and a UNet of width nFeat.
 */
export function benchModelFiles(variant: BenchVariant, nFeat: number, parts: readonly (keyof CheckpointSet)[]): Map<string, Uint8Array> {
  const preset = PRESETS[BENCH_VARIANTS[variant]];
  const { checkpoints, settings } = randomCheckpoints({
    latentShape: preset.latentShape,
    firstLayerDownsample: preset.firstLayerDownsample,
    vaeMaxChannels: PUBLISHED.vaeMaxChannels,
    nFeat,
    timesteps: PUBLISHED.timesteps,
    attributes: preset.attributes,
    contextAttributes: preset.contextAttributes,
  });
  const kept: CheckpointSet = Object.fromEntries(parts.map((p) => [p, checkpoints[p]]));
  return convertCheckpoints(kept, { ...settings, variant: `random ${variant}` }).files;
}

export function memorySource(files: ReadonlyMap<string, Uint8Array>): FileSource {
  return async (name) => {
    const bytes = files.get(name);
    if (!bytes) throw new Error(`random model: no file '${name}'`);
    return bytes;
  };
}
