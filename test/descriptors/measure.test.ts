import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { straightPathLimits } from '../../src/descriptors/assemble.js';
import { descriptorNames, measureDescriptors, type PhaseVolume } from '../../src/descriptors/index.js';
import { Lattice } from '../../src/descriptors/lattice.js';
import type { Runtime } from '../../src/runtime/index.js';
import { useRuntime } from '../helpers/gpu.js';
import { formatDescriptor } from '../../src/descriptors/format.js';
import { readGraspiText } from '../../src/descriptors/graspi-text.js';
import { graspiReference, randomMorphology } from '../reference/graspi.js';

const rt = useRuntime();
/** Counts must match exactly; fractions to 1e-6. */
const COUNT = /^(STAT_|CT_e_|CT_n_)/;

function filled(shape: [number, number, number], value: (d: number, h: number, w: number) => number): PhaseVolume {
  const [nd, nh, nw] = shape;
  const data = new Uint8Array(nd * nh * nw);
  for (let d = 0; d < nd; d++) for (let h = 0; h < nh; h++) for (let w = 0; w < nw; w++) data[(d * nh + h) * nw + w] = value(d, h, w);
  return { data, shape };
}

const CASES: { name: string; volume: PhaseVolume; periodic?: boolean }[] = [
  { name: 'blobs 9x7x11', volume: randomMorphology([9, 7, 11], 0.5, 1) },
  { name: 'blobs 9x7x11 periodic', volume: randomMorphology([9, 7, 11], 0.5, 1), periodic: true },
  { name: 'blobs 13x5x17 donor-poor', volume: randomMorphology([13, 5, 17], 0.3, 2) },
  { name: 'blobs 2D 31x1x23', volume: randomMorphology([31, 1, 23], 0.5, 3) },
  { name: 'blobs 2D 31x1x23 periodic', volume: randomMorphology([31, 1, 23], 0.5, 3), periodic: true },
  { name: 'random 6x5x7 batchless salt', volume: filled([6, 5, 7], (d, h, w) => ((d * 7 + h * 3 + w * 5) % 3 === 0 ? 0 : 1)) },
  { name: 'thin axes 1x2x9 periodic', volume: randomMorphology([1, 2, 9], 0.5, 4), periodic: true },
  { name: 'all donor', volume: filled([5, 3, 7], () => 0) },
  { name: 'all acceptor', volume: filled([5, 3, 7], () => 1), periodic: true },
  { name: 'no electrode contact', volume: filled([5, 5, 9], (d, _h, w) => (w > 1 && w < 7 && d > 0 && d < 4 ? 0 : 1)) },
  { name: 'one plane W=1', volume: randomMorphology([7, 5, 1], 0.5, 5) },
  { name: 'three phases 9x7x11', volume: randomMorphology([9, 7, 11], 0.5, 6, 0.25) },
  { name: 'three phases 2D periodic', volume: randomMorphology([17, 1, 19], 0.5, 7, 0.2), periodic: true },
];

describe('measureDescriptors vs the float64 reference', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const got = await measureDescriptors(rt(), c.volume, { periodic: c.periodic });
      const ref = graspiReference(c.volume.data, c.volume.shape, { periodic: c.periodic });
      const phases = c.volume.data.some((v) => v === 2) ? 3 : 2;
      expect(Object.keys(got)).toEqual(descriptorNames(phases));
      for (const name of Object.keys(ref)) {
        if (COUNT.test(name)) {
          expect([name, got[name]]).toEqual([name, ref[name]]);
        } else {
          expect(Math.abs(got[name] - ref[name]), name).toBeLessThanOrEqual(1e-6);
        }
      }
    });
  }

  it('pixel size scales path lengths but not counts', async () => {
    const volume = randomMorphology([9, 7, 11], 0.5, 8);
    const got = await measureDescriptors(rt(), volume, { pixelSize: 0.37 });
    const ref = graspiReference(volume.data, volume.shape, { pixelSize: 0.37 });
    for (const name of Object.keys(ref)) expect(Math.abs(got[name] - ref[name]), name).toBeLessThanOrEqual(1e-6);
  });
});

describe('measureDescriptors reproduces GraSPI C++ outputs', () => {
  const FIXTURES = new URL('../fixtures/graspi/', import.meta.url);
  for (const [name, log, periodic] of [
    ['testFile-4x3-2D', 'testFile-4x3-2D.periodic.log', true],
    ['data_0.5_2.2_001900', 'data_0.5_2.2_001900.log', false],
  ] as const) {
    it(name, async () => {
      const { data: phases, shape } = readGraspiText(readFileSync(new URL(`${name}.txt`, FIXTURES), 'utf8'), name);
      const got = await measureDescriptors(rt(), { data: phases, shape }, { periodic });
      const expected = readFileSync(new URL(log, FIXTURES), 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/));
      expect(expected.map(([k]) => [k, formatDescriptor(got[k])])).toEqual(expected);
    });
  }
});

describe('measureDescriptors input checks', () => {
  it('refuses a wrong voxel count, values above 2, mixed voxels in a two-phase measure and volumes past the binding limit', async () => {
    await expect(measureDescriptors(rt(), { data: new Uint8Array(5), shape: [2, 2, 2] })).rejects.toThrow(/5 voxels.*needs 8/);
    await expect(measureDescriptors(rt(), { data: new Uint8Array(8).fill(3), shape: [2, 2, 2] })).rejects.toThrow(/found 3/);
    await expect(measureDescriptors(rt(), { data: new Uint8Array(8).fill(2), shape: [2, 2, 2] }, { phases: 2 })).rejects.toThrow(/phases: 3/);
    await expect(measureDescriptors(rt(), { data: new Uint8Array(8), shape: [2, 2, 2] }, { pixelSize: 0 })).rejects.toThrow(/pixelSize/);
    const small = { limits: { maxStorageBufferBindingSize: 1024 } } as Runtime;
    await expect(measureDescriptors(small, { data: new Uint8Array(4096), shape: [16, 16, 16] })).rejects.toThrow(
      /\[16, 16, 16\] volume needs 0\.0 MiB per voxel field, over this adapter's maxStorageBufferBindingSize/,
    );
  });
});

describe('straightPathLimits', () => {
  it('gives, for every float32 path length near each limit, the answer of GraSPI\'s double test', () => {
    for (const [shape, pixelSize] of [
      [[4, 4, 64], 1],
      [[4, 4, 37], 0.37],
      [[9, 1, 128], 2.5],
    ] as [[number, number, number], number][]) {
      const lattice = new Lattice(shape, false, pixelSize);
      const nw = shape[2];
      for (const towards of ['anode', 'cathode'] as const) {
        const limits = straightPathLimits(lattice, towards);
        for (let w = 0; w < nw; w++) {
          const h = (towards === 'anode' ? nw - 1 - w : w) * pixelSize;
          if (h === 0) {
            // On the electrode plane every reached voxel counts; only UNREACHED (float32 max) fails.
            expect(limits[w]).toBe(3.4028234663852886e38);
            continue;
          }
          const bits = new Float32Array([limits[w]]);
          const word = new Uint32Array(bits.buffer);
          for (let step = -3; step <= 3; step++) {
            const probe = new Uint32Array([word[0] + step]);
            const d = new Float32Array(probe.buffer)[0];
            const graspi = Math.abs(d / h - 1) < 1 / nw;
            expect([w, step, d < limits[w]]).toEqual([w, step, graspi]);
          }
        }
      }
    }
  });
});
