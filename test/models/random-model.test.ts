import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTorchCheckpoint } from '../../src/io/torch-checkpoint.js';
import { MicroGen3D } from '../../src/microgen3d.js';
import { ddpmSchedule, randomModelFiles, TINY_MODEL } from '../../src/models/random-model.js';
import { SCHEDULE_BUFFERS } from '../../src/models/architecture.js';
import { useRuntime } from '../helpers/gpu.js';
import { relErr } from '../helpers/numeric.js';

const DDPM = fileURLToPath(new URL('../../../shared/fixtures/unet-ch/ddpm.pt', import.meta.url));

describe('random models in the published layout', () => {
  it.skipIf(!existsSync(DDPM))('schedule equals the one stored in a reference ddpm.pt', () => {
    const stored = readTorchCheckpoint(new Uint8Array(readFileSync(DDPM)), DDPM);
    const ours = ddpmSchedule(1000);
    for (const name of SCHEDULE_BUFFERS) expect(relErr(ours[name], stored.get(name)!.data), name).toBeLessThan(1e-6);
  });

  const rt = useRuntime();

  it('generate refuses latents that went non-finite instead of decoding them', async () => {
    // 12 steps scale the betas past 1, so the sampler takes square roots of negatives.
    const files = randomModelFiles({ ...TINY_MODEL, timesteps: 12 });
    const model = await MicroGen3D.load(rt(), async (name) => files.get(name)!);
    const run = async () => {
      for await (const _ of model.generate({ context: [0.5, 0.2, 0.7] }));
    };
    await expect(run()).rejects.toThrow(/denoising produced non-finite latent values \(sample 0\)/);
  });
});
