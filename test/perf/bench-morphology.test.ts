import { describe, expect, it } from 'vitest';
import { measureDescriptors } from '../../src/descriptors/index.js';
import { spinodalVolume } from '../../src/perf/bench-morphology.js';
import { useRuntime } from '../helpers/gpu.js';

describe('spinodalVolume (the descriptor benchmark volume)', () => {
  const rt = useRuntime();

  it('is half donor, reproducible, and bicontinuous: both phases mostly reach their electrode', async () => {
    const v = spinodalVolume([40, 36, 32]);
    expect(v.data.length).toBe(40 * 36 * 32);
    expect(spinodalVolume([40, 36, 32]).data).toEqual(v.data);
    const d = await measureDescriptors(rt(), v);
    expect(Math.abs(d.ABS_f_D - 0.5)).toBeLessThan(1e-3);
    expect(d.CT_f_conn_D_An).toBeGreaterThan(0.9);
    expect(d.CT_f_conn_A_Ca).toBeGreaterThan(0.9);
    // Winding, not straight: some paths to the electrodes are longer than the plain distance.
    expect(d.CT_f_D_tort1).toBeLessThan(0.9);
  });
});
