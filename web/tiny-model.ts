import { convertCheckpoints, randomCheckpoints, type RandomModelShape } from '../src/browser.js';

/**
 * A model in the published layout, small enough for a CPU WebGPU adapter
 * (SwiftShader runs ~1.5 GFLOP/s): 32³ volume, 1x4x4x4 latent, 50 timesteps.
 * The attribute names are the experimental variant's; the weights are random.
 */
const TINY_MODEL: RandomModelShape = {
  latentShape: [1, 4, 4, 4],
  firstLayerDownsample: true,
  vaeMaxChannels: 16,
  nFeat: 8,
  timesteps: 50,
  attributes: ['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1'],
  contextAttributes: ['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1'],
};

/** A whole converted model folder, in memory. */
export function tinyRandomModel(seed = 1): Map<string, Uint8Array> {
  const { checkpoints, settings } = randomCheckpoints(TINY_MODEL, seed);
  return convertCheckpoints(checkpoints, settings).files;
}
