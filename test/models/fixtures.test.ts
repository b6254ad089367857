import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { F16_BARS } from '../../src/parity-bars.js';
import { useRuntime } from '../helpers/gpu.js';
import { fixtureErrors } from './fixture-parity.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));
const present = existsSync(FIXTURES);
if (!present) console.warn(`fixture parity tests skipped: ${FIXTURES} not found (it ships beside the repo as ../shared/fixtures)`);

describe.skipIf(!present)('parity with PyTorch on ../shared/fixtures', () => {
  const rt = useRuntime();
  for (const folder of ['vae-exp', 'vae-ch', 'unet-exp', 'unet-ch']) {
    it(`${folder}: every case within 1e-5`, async () => {
      const results = await fixtureErrors(rt(), join(FIXTURES, folder), folder);
      expect(results.length).toBeGreaterThan(0);
      for (const r of results) expect(r.relativeError, r.name).toBeLessThan(1e-5);
    }, 600_000);
  }

  // The f16 mode stores the UNet's conv weights and inputs as f16 (f32 sums): its
  // bars are the issue's, and the errors must show the rounding really happened.
  for (const folder of ['unet-exp', 'unet-ch']) {
    it(`${folder} in f16: UNet within ${F16_BARS.unet}, sampling loop within ${F16_BARS.sample}`, async () => {
      const results = await fixtureErrors(rt(), join(FIXTURES, folder), `${folder} f16`, { precision: 'f16' });
      const unet = results.filter((r) => r.name.startsWith('unet.'));
      const sample = results.filter((r) => r.name.startsWith('sample.'));
      expect(unet.length).toBeGreaterThan(0);
      expect(sample.length).toBeGreaterThan(0);
      for (const r of unet) expect(r.relativeError, r.name).toBeLessThan(F16_BARS.unet);
      for (const r of sample) expect(r.relativeError, r.name).toBeLessThan(F16_BARS.sample);
      for (const r of results) expect(r.relativeError, `${r.name} went through f16`).toBeGreaterThan(1e-5);
    }, 600_000);
  }
});
