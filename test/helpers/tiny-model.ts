import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { convertCheckpoints } from '../../src/convert.js';
import { randomCheckpoints } from '../../src/models/random-model.js';

/** A random-weight model folder in the published layout, small enough for lavapipe. */
export function writeTinyModel(dir: string): void {
  const { checkpoints, settings } = randomCheckpoints({
    latentShape: [1, 4, 4, 4],
    firstLayerDownsample: true,
    vaeMaxChannels: 16,
    nFeat: 8,
    timesteps: 12,
    attributes: ['vol_frac', 'tort_D', 'tort_A', 'extra'],
    contextAttributes: ['vol_frac', 'tort_D', 'tort_A'],
  });
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of convertCheckpoints(checkpoints, settings).files) writeFileSync(join(dir, name), bytes);
}
