import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTorchCheckpoint } from '../../src/io/torch-checkpoint.js';
import { MicroGen3D } from '../../src/microgen3d.js';
import { ddpmSchedule, randomCheckpoints, randomModelFiles, seededVaeWeights, TINY_MODEL } from '../../src/models/random-model.js';
import { SCHEDULE_BUFFERS } from '../../src/models/architecture.js';
import { useRuntime } from '../helpers/gpu.js';
import { relErr } from '../helpers/numeric.js';

const DDPM = fileURLToPath(new URL('../../../shared/fixtures/unet-ch/ddpm.pt', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

interface ProbeEntry {
  name: string;
  shape: number[];
  values: [number, number, number];
}

describe('random models in the published layout', () => {
  it.skipIf(!existsSync(DDPM))('schedule equals the one stored in a reference ddpm.pt', () => {
    const stored = readTorchCheckpoint(new Uint8Array(readFileSync(DDPM)), DDPM);
    const ours = ddpmSchedule(1000);
    for (const name of SCHEDULE_BUFFERS) expect(relErr(ours[name], stored.get(name)!.data), name).toBeLessThan(1e-6);
  });

  for (const folder of ['tiny-vae-exp', 'tiny-vae-ch']) {
    it(`regenerates the committed ${folder}'s weights bit for bit as tools/make-fixture.py drew them`, () => {
      const read = (name: string) => JSON.parse(readFileSync(`${FIXTURES}${folder}/${name}`, 'utf8')) as unknown;
      const cfg = read('config.json') as { vae_weights_seed: number; latent_shape: number[]; vae_max_channels: number; vae_first_layer_downsample: boolean };
      const probe = read('vae-weights-probe.json') as ProbeEntry[];
      const vaeShape = { latentChannels: cfg.latent_shape[0], maxChannels: cfg.vae_max_channels, firstLayerDownsample: cfg.vae_first_layer_downsample };
      const w = seededVaeWeights(vaeShape, cfg.vae_weights_seed);
      // Every tensor, in the order drawn, with its first, middle and last value exactly equal.
      expect(w.names()).toEqual(probe.map((p) => p.name));
      for (const p of probe) {
        const t = w.get(p.name, p.shape);
        const n = t.data.length;
        expect([t.data[0], t.data[n >> 1], t.data[n - 1]], p.name).toEqual(p.values);
      }
      expect(probe.length * 3).toBeGreaterThan(300);
    });
  }

  it("seededVaeWeights is randomCheckpoints' VAE, drawn first from the same seed", () => {
    const shape = { ...TINY_MODEL, vaeMaxChannels: 8 };
    const vae = randomCheckpoints(shape, 7).checkpoints.vae!;
    const seeded = seededVaeWeights({ latentChannels: 1, maxChannels: 8, firstLayerDownsample: shape.firstLayerDownsample }, 7);
    expect(seeded.names()).toEqual(vae.names());
    // Byte comparisons: toEqual on 12 M floats takes a minute.
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    for (const name of vae.names()) expect(bytes(seeded.get(name).data).equals(bytes(vae.get(name).data)), name).toBe(true);
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
