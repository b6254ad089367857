import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCommand, type GenerateFlags } from '../../src/cli/generate-command.js';
import { descriptorNames, measureDescriptors } from '../../src/descriptors/index.js';
import { parseCsv } from '../../src/io/csv.js';
import { writeNpy } from '../../src/io/npy.js';
import { readVti, writeVti } from '../../src/io/vti.js';
import { useRuntime } from '../helpers/gpu.js';
import { writeTinyModel } from '../helpers/tiny-model.js';

const root = mkdtempSync(join(tmpdir(), 'mg3d-generate-'));
const model = join(root, 'model');
writeTinyModel(model);
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('mg3d generate', () => {
  const rt = useRuntime();
  const run = (flags: GenerateFlags, signal = new AbortController().signal) => generateCommand(rt(), { model, ...flags }, { out: () => {}, warn: () => {} }, signal);
  // run.json and the journal hold timings; everything else must match byte for byte.
  const files = (dir: string) => Object.fromEntries(readdirSync(dir).filter((f) => f !== 'run.json' && !f.endsWith('.jsonl')).map((f) => [f, readFileSync(join(dir, f))]));

  it('writes volumes, phases, CSVs and run.json, and reproduces itself bit for bit', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    expect(await run({ out: a, random: 'ABS_f_D=0.3:0.6,CT_f_D_tort1=0.1:0.2,CT_f_A_tort1=0.5:0.9', samples: '2', batch: '1', seed: '7', npy: true })).toBe(0);
    expect(await run({ out: b, random: 'ABS_f_D=0.3:0.6,CT_f_D_tort1=0.1:0.2,CT_f_A_tort1=0.5:0.9', samples: '2', batch: '2', seed: '7', npy: true })).toBe(0);
    const fa = files(a);
    expect(Object.keys(fa).sort()).toEqual(
      ['inputs_context.csv', 'outputs_predicted.csv', 'conditioning_report.json', 'conditioning_report.svg', 'conditioning_report.png']
        .concat([0, 1].flatMap((i) => [`sample_0000${i}.npy`, `sample_0000${i}.vti`, `sample_0000${i}_phases.npy`, `sample_0000${i}_phases.vti`]))
        .sort(),
    );
    // Noise depends on (seed, sample), not on the batch it was denoised in.
    for (const [name, bytes] of Object.entries(files(b))) expect(bytes.equals(fa[name]), name).toBe(true);

    const volume = readVti(fa['sample_00000.vti'], 'sample_00000.vti');
    expect(volume.shape).toEqual([32, 32, 32]);
    expect(volume.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    const phases = readVti(fa['sample_00000_phases.vti'], 'phases');
    expect(phases.data.every((v, i) => v === (volume.data[i] > 0.5 ? 1 : 0))).toBe(true);
    const csv = fa['inputs_context.csv'].toString().trim().split('\n');
    expect(csv[0]).toBe('ABS_f_D,CT_f_D_tort1,CT_f_A_tort1');
    expect(csv).toHaveLength(3);
    // On a CPU adapter generate measures by default: the FP's attributes, then every descriptor as measured_*.
    const predicted = parseCsv(fa['outputs_predicted.csv'].toString(), 'outputs_predicted.csv');
    expect(predicted.header).toEqual(['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1', 'extra', ...descriptorNames(2).map((n) => `measured_${n}`)]);
    const measured = await measureDescriptors(rt(), { data: Uint8Array.from(phases.data), shape: [32, 32, 32] });
    expect(predicted.rows[0].slice(4).map(Math.fround)).toEqual(descriptorNames(2).map((n) => Math.fround(measured[n])));
    const record = JSON.parse(readFileSync(join(a, 'run.json'), 'utf8'));
    expect(record.settings.measure).toBe(true);
    expect(record.samples[0].measured).toEqual(measured);
    expect(record.samples[0].timingsMs.measure).toBeGreaterThan(0);
    const report = JSON.parse(fa['conditioning_report.json'].toString());
    expect(report.attributes.map((x: { attribute: string }) => x.attribute)).toEqual(['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1']);
    expect(report.attributes[0].points[1].measured).toBe(record.samples[1].measured.ABS_f_D);
    expect(record.complete).toBe(true);
    expect(record.model.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(record.samples.map((s: { index: number }) => s.index)).toEqual([0, 1]);
  });

  it('resumes an interrupted run without losing or duplicating samples', async () => {
    const full = join(root, 'full');
    const cut = join(root, 'cut');
    const spec = { context: '0.5,0.2,0.7', samples: '2', seed: '3' };
    await run({ out: full, ...spec, batch: 'auto' });
    expect(JSON.parse(readFileSync(join(full, 'run.json'), 'utf8')).processes[0].batch).toBe(2);
    // Stopped once the first sample is in the journal (3 samples, one per batch).
    const stop = new AbortController();
    const watch = setInterval(() => existsSync(join(cut, 'samples.jsonl')) && stop.abort(), 5);
    const interrupted = await generateCommand(rt(), { model, out: cut, ...spec, samples: '3' }, { out: () => {}, warn: () => {} }, stop.signal).finally(() => clearInterval(watch));
    expect(interrupted).toBe(130);
    const partial = JSON.parse(readFileSync(join(cut, 'run.json'), 'utf8'));
    expect(partial.complete).toBe(false);
    expect(readdirSync(cut).some((f) => f.endsWith('.tmp') || f.startsWith('.mg3d-lock'))).toBe(false);
    const journal = readFileSync(join(cut, 'samples.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(journal.length).toBeGreaterThanOrEqual(1);
    expect(journal.length).toBeLessThan(3);
    // The CSVs were appended per sample: one row per journal line.
    expect(readFileSync(join(cut, 'inputs_context.csv'), 'utf8').trim().split('\n')).toHaveLength(1 + journal.length);
    // A lost file of a finished sample is redone, and a line torn by a crash is dropped.
    unlinkSync(join(cut, journal[0].files[0]));
    appendFileSync(join(cut, 'samples.jsonl'), '{"index": 1, "cont');
    expect(await run({ out: cut, ...spec, samples: '3', resume: true })).toBe(0);
    // Raising --samples on resume continues a complete run.
    await run({ out: full, ...spec, samples: '3', resume: true });
    expect(files(cut)).toEqual(files(full));
    expect(JSON.parse(readFileSync(join(cut, 'run.json'), 'utf8')).samples).toHaveLength(3);
    await expect(run({ out: cut, ...spec, samples: '2', resume: true })).rejects.toThrow(/--samples 2 is fewer than the 3 of that run/);
    await expect(run({ out: cut, ...spec, samples: '3', seed: '4', resume: true })).rejects.toThrow(/--seed differs: it was 3, now 4/);
  });

  it('conditions on the feature predictor reading of a volume (--from)', async () => {
    const volume = join(root, 'volume.npy');
    writeFileSync(volume, writeNpy([32, 32, 32], Float32Array.from({ length: 32 ** 3 }, (_, i) => (i % 7 < 3 ? 1 : 0))));
    const out = join(root, 'from');
    const lines: string[] = [];
    expect(await generateCommand(rt(), { model, out, from: volume, seed: '2' }, { out: (l) => lines.push(l), warn: (l) => lines.push(l) }, new AbortController().signal)).toBe(0);
    expect(lines[0]).toMatch(/^--from .*volume\.npy: predicted ABS_f_D=\S+, CT_f_D_tort1=\S+, CT_f_A_tort1=\S+, extra=\S+$/);
    const record = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
    expect(record.settings.context.mode).toBe('from');
    // The context is the reading's context attributes, in context order.
    expect(record.samples[0].context).toHaveLength(3);
    // The same volume as .vti reads to the same context.
    const vti = join(root, 'volume.vti');
    writeFileSync(vti, writeVti([32, 32, 32], Float32Array.from({ length: 32 ** 3 }, (_, i) => (i % 7 < 3 ? 1 : 0)), 'volume'));
    await run({ out: join(root, 'from-vti'), from: vti, seed: '2' });
    expect(JSON.parse(readFileSync(join(root, 'from-vti', 'run.json'), 'utf8')).samples[0].context).toEqual(record.samples[0].context);
    writeFileSync(join(root, 'small.npy'), writeNpy([8, 8, 8], new Float32Array(512)));
    await expect(run({ out: join(root, 'from-small'), from: join(root, 'small.npy') })).rejects.toThrow(/small\.npy has shape \[8,8,8\], the model takes volumes of \[32,32,32\]/);
  });

  it('warns about contexts outside the ranges seen in training, and still generates', async () => {
    const ranged = join(root, 'ranged');
    writeTinyModel(ranged);
    const config = JSON.parse(readFileSync(join(ranged, 'model.json'), 'utf8'));
    config.attributeRanges = { ABS_f_D: [0.3, 0.6], CT_f_A_tort1: [0, 1] };
    writeFileSync(join(ranged, 'model.json'), JSON.stringify(config));
    const lines: string[] = [];
    const go = (flags: GenerateFlags) => generateCommand(rt(), { model: ranged, ...flags }, { out: (l) => lines.push(l), warn: (l) => lines.push(l) }, new AbortController().signal);
    expect(await go({ out: join(root, 'ranged-out'), context: '0.9,0.2,0.5' })).toBe(0);
    expect(lines.filter((l) => l.startsWith('warning:'))).toEqual(['warning: ABS_f_D = 0.9 is outside the range seen in training [0.3, 0.6]']);
    lines.length = 0;
    await go({ out: join(root, 'ranged-random'), random: 'ABS_f_D=0.4:0.5,CT_f_D_tort1=0:9,CT_f_A_tort1=0.5:1.5', samples: '1' });
    expect(lines.filter((l) => l.startsWith('warning:'))).toEqual(['warning: CT_f_A_tort1 = 1.5 is outside the range seen in training [0, 1]']);
  });

  it('runs the UNet in f16 with --precision f16, close to f32, and resumes only at the same precision', async () => {
    const spec = { context: '0.5,0.2,0.7', samples: '1', seed: '5' };
    await run({ out: join(root, 'p32'), ...spec });
    await run({ out: join(root, 'p16'), ...spec, precision: 'f16' });
    const record = JSON.parse(readFileSync(join(root, 'p16', 'run.json'), 'utf8'));
    expect(record.settings.precision).toBe('f16');
    const volume = (dir: string) => readVti(readFileSync(join(root, dir, 'sample_00000.vti')), dir).data;
    const [a, b] = [volume('p32'), volume('p16')];
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) ** 2;
      den += a[i] ** 2;
    }
    expect(Math.sqrt(num / den)).toBeGreaterThan(0);
    expect(Math.sqrt(num / den)).toBeLessThan(1e-2);
    await expect(run({ out: join(root, 'p16'), ...spec, resume: true })).rejects.toThrow(/--resume: .*p16: --precision differs: it was "f16", now "f32"/);
  });

  it('runs --sampler ddim / dpmpp-2m with --steps, records them, and resumes only with the same sampler', async () => {
    const spec = { context: '0.5,0.2,0.7', samples: '2', seed: '4', sampler: 'ddim', steps: '6', eta: '0.5' };
    const full = join(root, 'ddim-full');
    const lines: string[] = [];
    expect(await generateCommand(rt(), { model, out: full, ...spec, batch: '2' }, { out: () => {}, warn: (l) => lines.push(l) }, new AbortController().signal)).toBe(0);
    expect(lines.some((l) => /^adapter: .*; sampler ddim, 6 steps \(eta 0\.5\);/.test(l))).toBe(true);
    expect(JSON.parse(readFileSync(join(full, 'run.json'), 'utf8')).settings.sampler).toEqual({ sampler: 'ddim', steps: 6, eta: 0.5 });
    // One sample lost: the resume redoes it at batch 1, bit for bit as the batch-2 run made it.
    const cut = join(root, 'ddim-cut');
    await run({ out: cut, ...spec, batch: '2' });
    const record = JSON.parse(readFileSync(join(cut, 'run.json'), 'utf8'));
    unlinkSync(join(cut, record.samples[1].files[0]));
    expect(await run({ out: cut, ...spec, resume: true })).toBe(0);
    expect(files(cut)).toEqual(files(full));
    await expect(run({ out: cut, ...spec, steps: '7', resume: true })).rejects.toThrow(
      /--sampler \/ --steps \/ --eta differs: it was \{"sampler":"ddim","steps":6,"eta":0.5\}, now \{"sampler":"ddim","steps":7,"eta":0.5\}/,
    );
    await expect(run({ out: join(root, 'dpm-bad'), ...spec, sampler: 'dpmpp-2m' })).rejects.toThrow(/eta applies to the ddim sampler only/);
    await expect(run({ out: join(root, 'ddpm-bad'), context: '0.5,0.2,0.7', steps: '5' })).rejects.toThrow(/ddpm sampler runs the trained 23 steps/);
    await expect(run({ out: join(root, 'x-bad'), context: '0.5,0.2,0.7', sampler: 'euler' })).rejects.toThrow(/sampler must be one of ddpm, ddim, dpmpp-2m/);
  });

  it('prints the conditioning report at the end of a measured run, and measures nothing with --no-measure', async () => {
    const lines: string[] = [];
    const spec = { random: 'ABS_f_D=0.3:0.6,CT_f_D_tort1=0.1:0.2,CT_f_A_tort1=0.5:0.9', samples: '2', seed: '4' };
    expect(await generateCommand(rt(), { model, out: join(root, 'measured'), ...spec, measure: true }, { out: (l) => lines.push(l), warn: (l) => lines.push(l) }, new AbortController().signal)).toBe(0);
    const at = lines.indexOf('conditioning over 2 samples (requested vs measured):');
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 2, at + 5).map((l) => l.trim().split(/ +/)[0])).toEqual(['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1']);
    expect(lines.at(-1)).toBe('wrote conditioning_report.json, conditioning_report.svg, conditioning_report.png');

    const plain = join(root, 'unmeasured');
    expect(await run({ out: plain, ...spec, 'no-measure': true })).toBe(0);
    expect(readFileSync(join(plain, 'outputs_predicted.csv'), 'utf8').split('\n')[0]).toBe('ABS_f_D,CT_f_D_tort1,CT_f_A_tort1,extra');
    expect(existsSync(join(plain, 'conditioning_report.json'))).toBe(false);
    const record = JSON.parse(readFileSync(join(plain, 'run.json'), 'utf8'));
    expect(record.settings.measure).toBe(false);
    expect(record.samples[0].measured).toBeUndefined();
    await expect(run({ out: plain, ...spec, measure: true, resume: true })).rejects.toThrow(/--measure differs: it was false, now true/);
  });

  it('rejects bad arguments with one-line errors', async () => {
    const out = join(root, 'bad');
    await expect(run({ out, context: '0.5,0.2' })).rejects.toThrow(/context needs 3 values \(ABS_f_D, CT_f_D_tort1, CT_f_A_tort1\) or all 4 attributes/);
    await expect(run({ out, random: 'ABS_f_D=0.3:0.6' })).rejects.toThrow(/no range for CT_f_D_tort1, CT_f_A_tort1/);
    await expect(run({ out, context: '1,2,3', samples: '0' })).rejects.toThrow(/--samples wants an integer >= 1/);
    await expect(run({ out, context: '1,2,3', threshold: '0.7,0.2' })).rejects.toThrow(/two ascending values/);
    await expect(run({ out })).rejects.toThrow(/exactly one of --context, --random, --from/);
    await expect(run({ out, context: '1,2,3', precision: 'f64' })).rejects.toThrow(/--precision must be f32 or f16, got 'f64'/);
    await expect(run({ out, from: join(root, 'missing.npy') })).rejects.toThrow(/missing\.npy/);
    await expect(run({ out, context: '1,2,3', measure: true, 'no-measure': true })).rejects.toThrow(/--measure or --no-measure, not both/);
    expect(existsSync(join(out, 'run.json'))).toBe(false);
  });
});
