import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatBenchReport, type BenchReport } from '../../src/perf/bench-report.js';
import { spreadOf } from '../../src/perf/timing.js';
import type { BatchRow } from '../../src/perf/bench-variant.js';
import { decoderFlops, unetFlops } from '../../src/perf/model-flops.js';
import { benchCommand } from '../../src/cli/bench-command.js';
import { profileCommand, type ProfileReport } from '../../src/cli/profile-command.js';
import { PRESETS } from '../../src/models/config.js';
import type { Dispatch, Runtime } from '../../src/runtime/index.js';
import { createNodeRuntime } from '../../src/runtime/node.js';
import { profileDispatches } from '../../src/runtime/profiler.js';

const root = mkdtempSync(join(tmpdir(), 'mg3d-bench-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mg3d bench', () => {
  it('measures a narrow UNet in the published shapes and writes the JSON report', async () => {
    const json = join(root, 'bench.json');
    const lines: string[] = [];
    // A budget of seconds: both batches fit at this width, the full-size decoder does not.
    const flags = { variant: 'experimental', 'n-feat': '8', steps: '1', batches: '2,1', 'time-budget': '5', samplers: 'ddpm,ddim,dpmpp-2m:10', json };
    expect(await benchCommand(flags, (l) => lines.push(l), () => {}, () => createNodeRuntime())).toBe(0);

    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchReport;
    expect(report.format).toBe('mg3d-bench');
    expect(report.version).toBe(2);
    expect(report.engine.version).toMatch(/^\d+\.\d+\.\d+/);
    // Run from this checkout: the commit is named.
    expect(report.engine.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(typeof report.engine.dirty).toBe('boolean');
    expect(Number.isNaN(Date.parse(report.date))).toBe(false);
    expect(report.node).toBe(process.version);
    expect(report.adapter.name.length).toBeGreaterThan(0);
    expect(Array.isArray(report.adapter.features)).toBe(true);
    expect(report.settings).toMatchObject({ nFeat: 8, steps: 1, batches: [1, 2], timeBudgetSeconds: 5, variants: ['experimental'], stepsPerSample: 998 });

    const [v] = report.variants;
    expect(v).toMatchObject({ variant: 'experimental', latentShape: [1, 8, 8, 8], imageShape: [1, 64, 64, 64], nFeat: 8, vaeMaxChannels: 512 });
    const rows = v.batches as BatchRow[];
    expect(rows.map((r) => r.batch)).toEqual([1, 2]);
    for (const r of rows) {
      expect(r.stepMs).toBeGreaterThan(0);
      expect(r.step.count).toBe(1);
      expect(r.step.min).toBeLessThanOrEqual(r.step.median);
      expect(r.step.median).toBeLessThanOrEqual(r.step.max);
      expect(r.stepMs).toBe(r.step.median);
      expect(r.denoiseMsPerSample).toBeCloseTo((r.stepMs * 998) / r.batch, 6);
      expect(r.predictMsPerSample).toBeGreaterThan(0);
      expect(r.poolPeakBytes).toBeGreaterThan(v.weightsBytes);
      expect(r.samplers.map((m) => [m.sampler, m.steps])).toEqual([['ddpm', 998], ['ddim', 50], ['dpmpp-2m', 10]]);
      for (const m of r.samplers) expect(m.denoiseMsPerSample).toBeCloseTo((r.stepMs * m.steps) / r.batch, 6);
      for (const m of [r.stepMemory, r.predictMemory]) {
        expect(m.plannedBytes).toBeGreaterThanOrEqual(m.largestLiveBytes);
        expect(m.plannedBytes).toBeLessThanOrEqual(1.5 * m.largestLiveBytes);
      }
    }
    expect(v.decode).toEqual({ skipped: expect.stringMatching(/time budget/) });
    // The descriptors run once whatever the budget: generate --measure's cost per sample.
    expect(v.descriptors.shape).toEqual([64, 64, 64]);
    expect(v.descriptors.ms.count).toBeGreaterThanOrEqual(1);
    expect(v.descriptors.ms.min).toBeGreaterThan(0);
    expect(v.descriptors.ms.min).toBeLessThanOrEqual(v.descriptors.ms.median);
    expect(v.descriptors.ms.median).toBeLessThanOrEqual(v.descriptors.ms.max);
    expect(v.poolPeakBytes).toBeGreaterThanOrEqual(rows[1].poolPeakBytes);

    const text = lines.join('\n');
    expect(text).toContain('extrapolated to 998 steps from 1');
    expect(text).toMatch(/batch +step ms +min +max +spread +step ms\/sample/);
    // A narrow UNet with the full-width decoder: said in the header, the total's column and the notes.
    expect(text).toContain('measured: a NARROW UNet (n_feat 8; the published models have 512');
    expect(text).toContain('total s/sample (n_feat 8)');
    expect(text).toContain('not its per-sample time');
    expect(text).toContain('decoder (batch 1): skipped: over the time budget');
    expect(text).toMatch(/sampler +steps +batch 1 denoise s\/sample +batch 2 denoise s\/sample\n +ddpm +998 .*\n +ddim +50 .*\n +dpmpp-2m +10 /);
    expect(text).toMatch(/descriptors \(64x64x64\): \S+ s per sample \(min \S+, max \S+, \d runs?\)\n/);
    expect(text).toContain(`wrote ${json}`);

    // A spread too wide to trust is flagged in its row and under the table.
    rows[0].step = spreadOf([10, 10.5, 13]);
    const flagged = formatBenchReport(report).join('\n');
    expect(flagged).toMatch(/ 29% too wide /);
    expect(flagged).toContain('warning: the step times of experimental batch 1 spread more than 20%: not to be trusted');
  });

  it('refuses a sampler list it cannot run', async () => {
    const bench = (samplers: string) => benchCommand({ samplers }, () => {}, () => {}, () => createNodeRuntime());
    await expect(bench('ddim:0')).rejects.toThrow(/--samplers wants an integer >= 1, got '0'/);
    await expect(bench('ddpm:50')).rejects.toThrow(/--samplers ddpm:50: the ddpm sampler runs the trained 998 steps/);
    await expect(bench('euler')).rejects.toThrow(/--samplers euler: sampler must be one of/);
    await expect(bench('ddim:5:1')).rejects.toThrow(/NAME or NAME:STEPS/);
  });

  it('judges a spread by (max - min) / median', () => {
    expect(spreadOf([10, 10.2, 10.1])).toEqual({ median: 10.1, min: 10, max: 10.2, count: 3, spread: expect.closeTo(0.0198, 4), tooWide: false });
    expect(spreadOf([13, 10, 10.5]).tooWide).toBe(true);
  });

  it('counts FLOP layer by layer (src/perf/model-flops.ts)', () => {
    const gflop = (v: number) => Number((v / 1e9).toFixed(1));
    const { experimental, 'ch-2phase': ch } = PRESETS;
    expect(gflop(unetFlops(experimental.latentShape, 512, 3))).toBe(75.0);
    expect(gflop(unetFlops(ch.latentShape, 512, 3))).toBe(37.6);
    expect(gflop(decoderFlops(experimental.latentShape, 512))).toBe(243.7);
    expect(gflop(decoderFlops(ch.latentShape, 512))).toBe(121.9);
  });
});

describe('mg3d profile', () => {
  it('times every kernel of a UNet step; the FLOP read off the kernels match the architecture, Winograd executes fewer', async () => {
    const rt = await createNodeRuntime();
    const lines: string[] = [];
    try {
      await profileCommand(rt, { variant: 'ch', 'n-feat': '8', top: '5', json: join(root, 'profile.json') }, { out: (l) => lines.push(l), warn: (l) => lines.push(l) }, () => {});
    } finally {
      rt.destroy();
    }
    const text = lines.join('\n');
    expect(text).toMatch(/timing: (GPU timestamps|no timestamp-query)/);
    const flop = text.match(/FLOP: (\S+) G by the architecture \(counted layer by layer in src\/perf\/model-flops.ts\), (\S+) G read off the kernels/);
    expect(flop?.[1]).toBe(flop?.[2]);
    const json = JSON.parse(readFileSync(join(root, 'profile.json'), 'utf8')) as ProfileReport;
    expect(json).toMatchObject({ format: 'mg3d-profile', version: 1, settings: { variant: 'ch', nFeat: 8, precision: 'f32', batch: 1 } });
    expect(json.engine.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(json.unet.title).toBe('ch UNet, n_feat 8 (published: 512) in f32, latent 4x8x8x4, batch 1');
    expect(json.convPaths.length).toBeGreaterThan(0);
    expect(json.unet.byOp.reduce((sum, g) => sum + (g.flops ?? 0), 0)).toBe(json.unet.modelFlops);
    expect(text).toContain(`wrote ${join(root, 'profile.json')}`);
    const executed = Number(text.match(/; (\S+) G executed/)?.[1]);
    expect(executed).toBeGreaterThan(0);
    expect(executed).toBeLessThan(Number(flop?.[1]));
    expect(text).toContain('conv3d 8->8 k3 s1 -> 8x8x4 (B=1)');
    expect(text).toMatch(/conv3d 8->8 k3 s1 -> 8x8x4 \(B=1\) f32 +winograd +\S+ +\S+/);
    expect(text).toMatch(/GFLOP\/s +MB +GB\/s/);
  });

  it('without timestamp-query, times each dispatch submitted alone on the CPU', async () => {
    const submitted: (readonly Dispatch[])[] = [];
    const rt = { device: { features: new Set<string>() }, run: (d: readonly Dispatch[]) => submitted.push(d), sync: async () => {} };
    const dispatches = [{ label: 'a' }, { label: 'b' }] as Dispatch[];
    const times = await profileDispatches(rt as unknown as Runtime, dispatches);
    expect(times.method).toBe('cpu-submit');
    expect(times.durationsMs).toHaveLength(2);
    expect(submitted).toEqual([[dispatches[0]], [dispatches[1]]]);
  });
});
