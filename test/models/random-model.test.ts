import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { convertCheckpoints } from '../../src/convert.js';
import { readTorchCheckpoint } from '../../src/io/torch-checkpoint.js';
import { ddpmSchedule, randomCheckpoints } from '../../src/models/random-model.js';
import { SCHEDULE_BUFFERS } from '../../src/models/sampler.js';
import { relErr } from '../helpers/numeric.js';

const DDPM = fileURLToPath(new URL('../../../shared/fixtures/unet-ch/ddpm.pt', import.meta.url));

describe('random models in the published layout', () => {
  it.skipIf(!existsSync(DDPM))('schedule equals the one stored in a reference ddpm.pt', () => {
    const stored = readTorchCheckpoint(new Uint8Array(readFileSync(DDPM)), DDPM);
    const ours = ddpmSchedule(1000);
    for (const name of SCHEDULE_BUFFERS) expect(relErr(ours[name], stored.get(name)!.data), name).toBeLessThan(1e-6);
  });

  it('converts with every width cross-checked', () => {
    const { checkpoints, settings } = randomCheckpoints({
      latentShape: [4, 4, 4, 4],
      firstLayerDownsample: false,
      vaeMaxChannels: 16,
      nFeat: 8,
      timesteps: 20,
      attributes: ['a', 'b', 'c'],
      contextAttributes: ['a', 'c'],
    });
    const { config, files } = convertCheckpoints(checkpoints, settings);
    expect(config.imageShape).toEqual([1, 64, 64, 64]);
    expect(config.nFeat).toBe(8);
    expect(config.timesteps).toBe(20);
    expect([...files.keys()].sort()).toEqual(['ddpm.safetensors', 'fp.safetensors', 'model.json', 'vae.safetensors']);
  });
});
