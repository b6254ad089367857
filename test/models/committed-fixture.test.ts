import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parityBar } from '../../src/parity-bars.js';
import { useRuntime } from '../helpers/gpu.js';
import { fixtureErrors } from './fixture-parity.js';

/**
 * The small fixture committed in test/fixtures (made by tools/make-fixture.py):
 * a fresh clone, without ../shared, still checks the networks' numerics against
 * PyTorch: one UNet evaluation, the feature predictor, and the whole 998-step
 * sampling loop.
 */
const FOLDER = fileURLToPath(new URL('../fixtures/tiny-unet-fp/', import.meta.url));
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
