import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomModelFiles, TINY_MODEL } from '../../src/models/random-model.js';

/**
 * The tiny random model as a folder, with few timesteps (fast) and one
 * attribute beyond the context ones (so full vectors get sliced). The
 * reference scales its betas by 1000 / timesteps, so below 21 steps beta
 * passes 1 and the latents turn NaN: 25 is about the fewest that sample.
 */
export function writeTinyModel(dir: string): void {
  const files = randomModelFiles({ ...TINY_MODEL, timesteps: 25, attributes: [...TINY_MODEL.attributes, 'extra'] });
  mkdirSync(dir, { recursive: true });
  for (const [name, bytes] of files) writeFileSync(join(dir, name), bytes);
}
