import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkFixture } from '../../src/check.js';
import { parityBar } from '../../src/parity-bars.js';
import { useRuntime } from '../helpers/gpu.js';
import { fixtureErrors } from './fixture-parity.js';

/**
 * The small fixtures committed in test/fixtures (made by tools/make-fixture.py):
 * a fresh clone, without ../shared, still checks the networks' numerics against
 * PyTorch: one UNet evaluation, the feature predictor, the whole 998-step
 * sampling loop, and the VAE's encoder and decoder in both layouts (their
 * weights made again from the seed in each folder's config.json).
 */
const VAE_FOLDERS = ['tiny-vae-exp', 'tiny-vae-ch'];
const fixture = (folder: string) => fileURLToPath(new URL(`../fixtures/${folder}/`, import.meta.url));
const FOLDER = fixture('tiny-unet-fp');
const CASES = ['unet.out', 'fp.out', 'sample.x_after_step_900', 'sample.x_after_step_500', 'sample.x_after_step_100', 'sample.z0'];

describe('parity with PyTorch on the committed test/fixtures/tiny-unet-fp', () => {
  const rt = useRuntime();

  it('every case within 1e-5', async () => {
    const results = await fixtureErrors(rt(), FOLDER, 'tiny-unet-fp');
    expect(results.map((r) => r.name).sort()).toEqual([...CASES].sort());
    for (const r of results) expect(r.relativeError, r.name).toBeLessThan(1e-5);
  }, 600_000);

  it('in f16: the UNet and the loop within their bars, having really gone through f16', async () => {
    const results = await fixtureErrors(rt(), FOLDER, 'tiny-unet-fp f16', { precision: 'f16' });
    expect(results.map((r) => r.name).sort()).toEqual([...CASES].sort());
    for (const r of results) expect(r.relativeError, r.name).toBeLessThan(parityBar(r.name, 'f16'));
    for (const r of results.filter((r) => r.name !== 'fp.out')) expect(r.relativeError, `${r.name} went through f16`).toBeGreaterThan(1e-5);
  }, 600_000);
});

describe('parity with PyTorch on the committed VAE fixtures', () => {
  const rt = useRuntime();

  for (const folder of VAE_FOLDERS) {
    it(`${folder}: encoder and decoder within 1e-5, the weights from the seed through convert and VAE.load`, async () => {
      const results = await fixtureErrors(rt(), fixture(folder), folder);
      expect(results.map((r) => r.name).sort()).toEqual(['decoder.out', 'encoder.logvar', 'encoder.mu']);
      for (const r of results) expect(r.relativeError, r.name).toBeLessThan(1e-5);
    }, 120_000);
  }

  it('refuses a config whose seed cannot stand for vae.pt, naming config.json', async () => {
    const dir = fixture(VAE_FOLDERS[0]);
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    const onDisk = (name: string) => (existsSync(join(dir, name)) ? new Uint8Array(readFileSync(join(dir, name))) : undefined);
    const folder = (files: Record<string, Uint8Array>) => async (name: string) => files[name] ?? onDisk(name);
    const json = (value: object) => new TextEncoder().encode(JSON.stringify(value));
    const noWidth = folder({ 'config.json': json({ ...config, vae_max_channels: undefined }) });
    await expect(checkFixture(rt(), noWidth)).rejects.toThrow(/^config.json: names vae_weights_seed but no vae_max_channels$/);
    for (const seed of ['112', -1, 1.5, 2 ** 32, null]) {
      const bad = folder({ 'config.json': json({ ...config, vae_weights_seed: seed }) });
      await expect(checkFixture(rt(), bad), String(seed)).rejects.toThrow(/^config.json: vae_weights_seed must be an integer in \[0, 2\^32\)$/);
    }
    for (const width of [0, 'x']) {
      const bad = folder({ 'config.json': json({ ...config, vae_max_channels: width }) });
      await expect(checkFixture(rt(), bad), String(width)).rejects.toThrow(/^config.json: vae_max_channels must be a positive integer$/);
    }
    const badShape = folder({ 'config.json': json({ ...config, latent_shape: [4, 2, 2] }) });
    await expect(checkFixture(rt(), badShape)).rejects.toThrow(/^config.json: latent_shape must be 4 positive integers \(C, D, H, W\)$/);
    const notJson = folder({ 'config.json': new TextEncoder().encode('{bad') });
    await expect(checkFixture(rt(), notJson)).rejects.toThrow(/^config.json: not valid JSON \('/);
    const both = folder({ 'vae.pt': new Uint8Array(readFileSync(join(FOLDER, 'fp.pt'))) });
    await expect(checkFixture(rt(), both)).rejects.toThrow(/^config.json: names vae_weights_seed, but the folder also has vae.pt: keep one$/);
  });
});
