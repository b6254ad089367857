/**
 * The engine's GraSPI descriptors against py-graspi (the Python port) on the same volumes.
 *
 *   node bench/run.mjs graspi-compare.ts [--shapes 32x32x32,64x64x64] [--repeats 3]
 *                                        [--python python3] [--json out/graspi-compare.json]
 *
 * Volumes: the spinodal test volumes of `mg3d bench` (src/perf/bench-morphology.ts), written as
 * GraSPI .txt files under out/graspi/. The engine is timed as measureDescriptors (min / median /
 * max of `repeats` after a warm-up); py-graspi once per volume through bench/graspi_peer.py
 * (generateGraph + compute_descriptors), with `python` importing py_graspi (pip install
 * py-graspi, or PYTHONPATH=its src/). py-graspi's 3D neighbour table lacks three of the
 * thirteen half-stencil offsets (DESCRIPTORS.md), so its 3D tortuosities and interface counts
 * differ from GraSPI's C++ and from ours; the table lists every descriptor that differs.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { measureDescriptors, type PhaseVolume } from '../src/descriptors/index.js';
import { spinodalVolume } from '../src/perf/bench-morphology.js';
import { median } from '../src/perf/timing.js';
import { createNodeRuntime } from '../src/runtime/node.js';

const { values } = parseArgs({
  options: { shapes: { type: 'string' }, repeats: { type: 'string' }, python: { type: 'string' }, json: { type: 'string' } },
});
const shapes = (values.shapes ?? '32x32x32,64x64x64').split(',').map((s) => s.split('x').map(Number) as [number, number, number]);
const repeats = Number(values.repeats ?? 3);
const python = values.python ?? 'python3';
const outDir = resolve('out/graspi');
mkdirSync(outDir, { recursive: true });

/** GraSPI's input: header "nx ny nz", then the values with x (our D) fastest. */
function graspiText(v: PhaseVolume): string {
  const [nd, nh, nw] = v.shape;
  const lines = [`${nd} ${nh} ${nw}`];
  for (let w = 0; w < nw; w++) {
    for (let h = 0; h < nh; h++) {
      const row: number[] = [];
      for (let d = 0; d < nd; d++) row.push(v.data[(d * nh + h) * nw + w]);
      lines.push(row.join(' '));
    }
  }
  return lines.join('\n') + '\n';
}

const rt = await createNodeRuntime();
console.log(`adapter: ${rt.adapterName}; py-graspi through ${python}`);
const rows = [];
try {
  for (const shape of shapes) {
    const volume = spinodalVolume(shape);
    const file = join(outDir, `spinodal-${shape.join('x')}.txt`);
    writeFileSync(file, graspiText(volume));
    const ours = await measureDescriptors(rt, volume);
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      await measureDescriptors(rt, volume);
      times.push(performance.now() - t0);
    }
    const peer = spawnSync(python, [resolve(import.meta.dirname, 'graspi_peer.py'), file], { cwd: outDir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (peer.status !== 0) throw new Error(`py-graspi failed on ${file} (exit ${peer.status}); is py_graspi importable by ${python}?`);
    const theirs = JSON.parse(peer.stdout.trim().split('\n').at(-1)!) as { graphSeconds: number; descriptorSeconds: number; descriptors: Record<string, number> };
    const peerMs = 1000 * (theirs.graphSeconds + theirs.descriptorSeconds);
    const differing = Object.keys(ours).filter((k) => k in theirs.descriptors && Math.abs(ours[k] - theirs.descriptors[k]) > 1e-6 * Math.max(1, Math.abs(ours[k])));
    const row = {
      shape,
      engineMs: { min: Math.min(...times), median: median(times), max: Math.max(...times) },
      pyGraspi: { graphMs: 1000 * theirs.graphSeconds, descriptorMs: 1000 * theirs.descriptorSeconds },
      ratio: peerMs / median(times),
      differing: Object.fromEntries(differing.map((k) => [k, { engine: ours[k], pyGraspi: theirs.descriptors[k] }])),
    };
    rows.push(row);
    const e = row.engineMs;
    console.log(
      `| ${shape.join('x')} | ${(e.median / 1000).toFixed(2)} s (${(e.min / 1000).toFixed(2)}-${(e.max / 1000).toFixed(2)}) | ` +
        `${(peerMs / 1000).toFixed(1)} s (graph ${theirs.graphSeconds.toFixed(1)} + descriptors ${theirs.descriptorSeconds.toFixed(1)}) | ${row.ratio.toFixed(1)}x | ` +
        `${differing.map((k) => `${k} ${ours[k].toPrecision(6)} vs ${theirs.descriptors[k].toPrecision(6)}`).join('; ') || 'none'} |`,
    );
  }
} finally {
  rt.destroy();
}
if (values.json) writeFileSync(values.json, JSON.stringify({ adapter: rt.adapterName, python, rows }, null, 2) + '\n');
