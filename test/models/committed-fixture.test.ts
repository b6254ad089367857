import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useRuntime } from '../helpers/gpu.js';
import { fixtureErrors } from './fixture-parity.js';

/**
 * The small fixture committed in test/fixtures (made by tools/make-fixture.py):
 * a fresh clone, without ../shared, still checks the networks' numerics against
 * PyTorch: one UNet evaluation, the feature predictor, and the whole 998-step
 * sampling loop with its features.
 */
const FOLDER = fileURLToPath(new URL('../fixtures/tiny-unet-fp/', import.meta.url));
const CASES = ['unet.out', 'fp.out', 'sample.x_after_step_900', 'sample.x_after_step_500', 'sample.x_after_step_100', 'sample.z0', 'sample.features'];

describe('parity with PyTorch on the committed test/fixtures/tiny-unet-fp', () => {
  const rt = useRuntime();

  it('every case within 1e-5', async () => {
    const results = await fixtureErrors(rt(), FOLDER, 'tiny-unet-fp');
    expect(results.map((r) => r.name).sort()).toEqual([...CASES].sort());
    for (const r of results) expect(r.relativeError, r.name).toBeLessThan(1e-5);
  }, 600_000);
});
