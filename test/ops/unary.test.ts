import { describe, expect, it } from 'vitest';
import { Act } from '../../src/ops/activation.js';
import { unary } from '../../src/ops/unary.js';
import { useRuntime, runOnce } from '../helpers/gpu.js';
import { randomArray, relErr } from '../helpers/numeric.js';
import { activations, erf } from '../reference/activation.js';

describe('unary activations', () => {
  const rt = useRuntime();

  it('reference erf matches known values', () => {
    expect(erf(0.5)).toBeCloseTo(0.5204998778130465, 14);
    expect(erf(3)).toBeCloseTo(0.9999779095030014, 14);
  });

  for (const name of Object.keys(Act) as (keyof typeof Act)[]) {
    it(`${name} on odd sizes matches float64`, async () => {
      for (const [n, seed] of [[3, 1], [5 * 7 * 3 * 2, 2], [70001, 3]] as const) {
        const x = randomArray(n, seed, 6);
        const ref = Array.from(x, activations[name]);
        const out = await runOnce(rt(), (g) => unary(g, rt().upload(x, [n]), Act[name]));
        expect(relErr(out, ref)).toBeLessThan(1e-6);
      }
    });
  }

  it('gelu stays accurate far into the negative tail', async () => {
    const x = new Float32Array(64).map((_, i) => -0.5 - i * 0.2);
    const ref = Array.from(x, activations.gelu);
    const out = await runOnce(rt(), (g) => unary(g, rt().upload(x, [x.length]), Act.gelu));
    for (let i = 0; i < x.length; i++) {
      if (Math.abs(ref[i]) > 1e-30) expect(Math.abs(out[i] - ref[i]) / Math.abs(ref[i])).toBeLessThan(2e-5);
    }
  });

  it('grid folds past 65535 workgroups', async () => {
    const n = 65536 * 256 + 3;
    const x = randomArray(n, 9);
    const out = await runOnce(rt(), (g) => unary(g, rt().upload(x, [n]), Act.relu));
    expect(out[n - 1]).toBe(Math.max(x[n - 1], 0));
    expect(relErr(out, Array.from(x, activations.relu))).toBe(0);
  });
});
