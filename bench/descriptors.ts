/**
 * GraSPI descriptors on the GPU: time per sample for the published volume shapes.
 *
 *   node bench/run.mjs descriptors.ts [--repeats 5] [--json out/descriptors.json]
 *
 * Volumes are the spinodal test volumes `mg3d bench` times (src/perf/bench-morphology.ts: half
 * donor, bicontinuous, winding paths), 128x128x64 (CH) and 64^3 (experimental). Beyond the bench's
 * time, this script reports how much iterating the GPU needed.
 * Each shape is measured once to warm the pipelines, then `repeats` times; min / median / max of
 * the wall time of measureDescriptors (upload, every kernel, readbacks, assembly), with the
 * label rounds and relaxation sweeps the GPU needed to converge.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { measureDescriptors } from '../src/descriptors/index.js';
import { tallyOnGpu } from '../src/descriptors/gpu-measure.js';
import { Lattice } from '../src/descriptors/lattice.js';
import { spinodalVolume } from '../src/perf/bench-morphology.js';
import { createNodeRuntime } from '../src/runtime/node.js';

const { values } = parseArgs({ options: { repeats: { type: 'string' }, json: { type: 'string' } } });
const repeats = Number(values.repeats ?? 5);
const SHAPES: [number, number, number][] = [
  [128, 128, 64],
  [64, 64, 64],
];

const rt = await createNodeRuntime();
console.log(`adapter: ${rt.adapterName}`);
const results = [];
try {
  for (const shape of SHAPES) {
    const volume = spinodalVolume(shape);
    const { stats } = await tallyOnGpu(rt, volume.data, new Lattice(shape, false, 1));
    await measureDescriptors(rt, volume);
    const times: number[] = [];
    let last = {};
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      last = await measureDescriptors(rt, volume);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const row = {
      shape,
      ms: { min: times[0], median: times[Math.floor(times.length / 2)], max: times[times.length - 1] },
      ...stats,
      descriptors: last,
    };
    results.push(row);
    console.log(
      `${shape.join('x').padEnd(11)} ${row.ms.min.toFixed(0)} / ${row.ms.median.toFixed(0)} / ${row.ms.max.toFixed(0)} ms (min/median/max of ${repeats})` +
        `  label rounds ${stats.labelRounds}, relaxation sweeps ${stats.relaxSweeps} (W = ${shape[2]})`,
    );
  }
} finally {
  rt.destroy();
}
if (values.json) writeFileSync(values.json, JSON.stringify({ adapter: rt.adapterName, results }, null, 2));
