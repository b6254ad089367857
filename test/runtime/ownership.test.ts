import { describe, expect, it } from 'vitest';
import { MicroGen3D } from '../../src/microgen3d.js';
import { randomModelFiles, TINY_MODEL } from '../../src/models/random-model.js';
import { fileSource } from '../../src/sources.js';
import { useRuntime } from '../helpers/gpu.js';

const rt = useRuntime();

describe('ownership', () => {
  // About 4 s a cycle on a 2-core lavapipe VM, most of it the VAE decoder.
  it('a load / generate / dispose loop on a shared runtime does not grow', async () => {
    const files = randomModelFiles({ ...TINY_MODEL, timesteps: 25 });
    const before = rt().memoryStats();
    const pooled: number[] = [];
    for (let cycle = 0; cycle < 20; cycle++) {
      const model = await MicroGen3D.load(rt(), fileSource(files));
      for await (const s of model.generate({ context: [0.4, 0.5, 0.6], seed: cycle })) expect(s.phases.length).toBe(32 ** 3);
      await model.predictFeatures({ shape: [2, ...TINY_MODEL.latentShape], data: new Float32Array(128).fill(0.1) });
      model.dispose();
      const after = rt().memoryStats();
      expect(after.liveBytes).toBe(before.liveBytes);
      expect(after.liveBuffers).toBe(before.liveBuffers);
      pooled.push(after.pooledBytes);
    }
    expect(Math.max(...pooled)).toBe(pooled[0]);
  }, 600_000);
});
