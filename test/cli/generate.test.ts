import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateCommand, type GenerateFlags } from '../../src/cli/generate-command.js';
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
  const files = (dir: string) => Object.fromEntries(readdirSync(dir).filter((f) => f !== 'run.json').map((f) => [f, readFileSync(join(dir, f))]));

  it('writes volumes, phases, CSVs and run.json, and reproduces itself bit for bit', async () => {
    const a = join(root, 'a');
    const b = join(root, 'b');
    expect(await run({ out: a, random: 'ABS_f_D=0.3:0.6,CT_f_D_tort1=0.1:0.2,CT_f_A_tort1=0.5:0.9', samples: '2', batch: '1', seed: '7', npy: true })).toBe(0);
    expect(await run({ out: b, random: 'ABS_f_D=0.3:0.6,CT_f_D_tort1=0.1:0.2,CT_f_A_tort1=0.5:0.9', samples: '2', batch: '2', seed: '7', npy: true })).toBe(0);
    const fa = files(a);
    expect(Object.keys(fa).sort()).toEqual(
      ['inputs_context.csv', 'outputs_predicted.csv']
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
    expect(fa['outputs_predicted.csv'].toString().split('\n')[0]).toBe('ABS_f_D,CT_f_D_tort1,CT_f_A_tort1,extra');
    const record = JSON.parse(readFileSync(join(a, 'run.json'), 'utf8'));
    expect(record.complete).toBe(true);
    expect(record.model.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(record.samples.map((s: { index: number }) => s.index)).toEqual([0, 1]);
  });

  it('resumes an interrupted run without losing or duplicating samples', async () => {
    const full = join(root, 'full');
    const cut = join(root, 'cut');
    const spec = { context: '0.5,0.2,0.7', samples: '2', seed: '3' };
    await run({ out: full, ...spec, batch: 'auto' });
    expect(JSON.parse(readFileSync(join(full, 'run.json'), 'utf8')).batch).toBe(2);
    const stop = new AbortController();
    const onLine = (line: string) => {
      if (line.startsWith('adapter')) setTimeout(() => stop.abort(), 0);
    };
    const interrupted = generateCommand(rt(), { model, out: cut, ...spec }, { out: onLine, warn: onLine }, stop.signal);
    expect(await interrupted).toBe(130);
    const partial = JSON.parse(readFileSync(join(cut, 'run.json'), 'utf8'));
    expect(partial.complete).toBe(false);
    expect(readdirSync(cut).some((f) => f.endsWith('.tmp'))).toBe(false);
    // A lost file of a finished sample is redone too.
    if (partial.samples.length) unlinkSync(join(cut, partial.samples[0].files[0]));
    expect(await run({ out: cut, ...spec, resume: true })).toBe(0);
    expect(files(cut)).toEqual(files(full));
    expect(JSON.parse(readFileSync(join(cut, 'run.json'), 'utf8')).samples).toHaveLength(2);
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
    await expect(run({ out: join(root, 'p16'), ...spec, resume: true })).rejects.toThrow(/settings differ.*"precision":"f16".*"precision":"f32"/);
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
    expect(existsSync(join(out, 'run.json'))).toBe(false);
  });
});
