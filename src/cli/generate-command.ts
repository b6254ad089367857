import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { HostTensor } from '../io/host-tensor.js';
import { readFileBytes, readModelFile, writeFileAtomic } from '../io/node-files.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { readVti, writeVti } from '../io/vti.js';
import { MicroGen3D } from '../microgen3d.js';
import type { Runtime } from '../runtime/index.js';
import { parseNumber, parseNumberList, parsePrecision, parseThresholds } from './args.js';
import type { CommandIo } from './command-io.js';
import { parseRandomSpec, randomContext } from './context-spec.js';
import { plural } from './format.js';
import { ProgressLine } from './progress.js';
import { assertResumable, finishedSamples, readRunRecord, saveRun, sampleStem, type RunRecord, type RunSettings } from './run-record.js';

export const GENERATE_HELP = `mg3d generate --model DIR (--context V,.. | --random SPEC | --from VOLUME) --out DIR [options]

Generates microstructures conditioned on target descriptors.

  --model DIR        converted model folder (mg3d convert)
  --context V,..     one context: the context attributes in order, or the full attribute vector
  --random SPEC      per-sample uniform contexts, e.g. "ABS_f_D=0.4:0.6,CT_f_D_tort1=0.2:0.9,..."
  --from VOLUME      dataset mode: encode a .npy or .vti volume and condition on the
                     feature predictor's reading of it
  --samples N        number of samples (default 1)
  --batch B|auto     samples denoised together (default 1; auto: the largest that fits, <= 32)
  --seed S           integer seed (default 0); same seed and adapter -> same output
  --threshold T[,T2] phase threshold(s) (default 0.5; two for three phases)
  --precision P      f32 (default) or f16: the UNet's convolutions store weights and inputs
                     as f16 with f32 sums (half the memory; ~1e-3 relative per step)
  --npy              also write .npy volumes
  --resume           continue a stopped run in --out without redoing finished samples
  --out DIR          output folder: sample_NNNNN.vti (float32), sample_NNNNN_phases.vti
                     (uint8), inputs_context.csv, outputs_predicted.csv, run.json`;

export interface GenerateFlags {
  model?: string;
  context?: string;
  random?: string;
  from?: string;
  samples?: string;
  batch?: string;
  seed?: string;
  threshold?: string;
  precision?: string;
  npy?: boolean;
  resume?: boolean;
  out?: string;
}

/** Reads model files while hashing them, so run.json can name the exact model. */
function hashingReader(dir: string): { read: (name: string) => Promise<Uint8Array>; digest: () => string } {
  const parts: string[] = [];
  return {
    read: async (name) => {
      const bytes = await readModelFile(dir, name);
      parts.push(`${name}:${createHash('sha256').update(bytes).digest('hex')}`);
      return bytes;
    },
    digest: () => createHash('sha256').update(parts.sort().join('\n')).digest('hex'),
  };
}

async function readVolume(path: string, imageShape: readonly number[]): Promise<HostTensor> {
  const bytes = await readFileBytes(path);
  const ext = extname(path).toLowerCase();
  if (ext !== '.npy' && ext !== '.vti') throw new UsageError(`--from: ${path} must be a .npy or .vti volume`);
  const v = ext === '.npy' ? readNpy(bytes, path) : readVti(bytes, path);
  const spatial = imageShape.slice(1);
  const size = spatial.reduce((a, b) => a * b, 1);
  if (v.data.length !== size || v.shape.filter((s) => s !== 1).join() !== spatial.filter((s) => s !== 1).join()) {
    throw new UsageError(`--from: ${path} has shape [${v.shape}], the model takes volumes of [${spatial}]`);
  }
  return { shape: [1, ...imageShape], data: v.data };
}

/** Seeds key a 2 x 32-bit Philox counter through float64 arithmetic: integers up to 2^53 - 1. */
const MAX_SEED = Number.MAX_SAFE_INTEGER;

function parseSettings(f: GenerateFlags, warn: (line: string) => void): { settings: Omit<RunSettings, 'context'>; batch: number | 'auto' } {
  const samples = f.samples === undefined ? 1 : parseNumber('samples', f.samples, { min: 1, integer: true });
  const seed = f.seed === undefined ? 0 : parseNumber('seed', f.seed, { min: 0, max: MAX_SEED, integer: true });
  let batch: number | 'auto' = f.batch === undefined ? 1 : f.batch === 'auto' ? 'auto' : parseNumber('batch', f.batch, { min: 1, integer: true });
  if (typeof batch === 'number' && batch > samples) {
    warn(`warning: --batch ${batch} is larger than --samples ${samples}; denoising ${samples} at a time`);
    batch = samples;
  }
  const thresholds = parseThresholds(f.threshold);
  const precision = parsePrecision(f.precision);
  return { settings: { seed, samples, thresholds, npy: Boolean(f.npy), precision }, batch };
}

export async function generateCommand(rt: Runtime, f: GenerateFlags, io: CommandIo, signal: AbortSignal): Promise<number> {
  const { out: log, warn } = io;
  if (!f.model) throw new UsageError('generate: --model DIR is required');
  if (!f.out) throw new UsageError('generate: --out DIR is required');
  const modes = [f.context, f.random, f.from].filter((v) => v !== undefined).length;
  if (modes !== 1) throw new UsageError('generate: give exactly one of --context, --random, --from');
  const { settings: base, batch: batchFlag } = parseSettings(f, warn);

  const t0 = performance.now();
  const reader = hashingReader(f.model);
  const model = await MicroGen3D.load(rt, reader.read, { precision: base.precision });
  try {
    const config = model.config;
    let contextOf: (i: number) => number[];
    let context: RunSettings['context'];
    let warnings: string[];
    if (f.context !== undefined) {
      const values = model.contextVector(parseNumberList('context', f.context));
      contextOf = () => values;
      context = { mode: 'fixed', values };
      warnings = model.contextWarnings(values);
    } else if (f.random !== undefined) {
      const ranges = parseRandomSpec(f.random, config);
      contextOf = (i) => randomContext(ranges, base.seed, i);
      context = { mode: 'random', spec: f.random };
      // Both ends of each range, so a draw can never leave the training range unannounced.
      warnings = [...model.contextWarnings(ranges.map((r) => r.low)), ...model.contextWarnings(ranges.map((r) => r.high))];
    } else {
      const volume = await readVolume(f.from!, config.imageShape);
      const { z } = await model.encode(volume, base.seed);
      const reading = Array.from((await model.predictFeatures(z)).data);
      const values = model.contextVector(reading);
      log(`--from ${f.from}: predicted ${config.attributes.map((a, i) => `${a}=${reading[i].toPrecision(4)}`).join(', ')}`);
      contextOf = () => values;
      context = { mode: 'from', volume: resolve(f.from!), values };
      warnings = model.contextWarnings(values);
    }
    for (const w of warnings) warn(`warning: ${w}`);
    const settings: RunSettings = { ...base, context };
    const hash = reader.digest();

    mkdirSync(f.out, { recursive: true });
    const previous = f.resume ? readRunRecord(f.out) : undefined;
    if (f.resume && !previous) warn(`--resume: no run.json in ${f.out}; starting a new run`);
    if (!f.resume && readRunRecord(f.out)) throw new UsageError(`generate: ${f.out} already holds a run; use --resume to continue it, or another --out`);
    if (previous) assertResumable(previous, hash, settings, f.out);
    const kept = previous ? finishedSamples(previous, f.out) : [];
    const done = new Set(kept.map((s) => s.index));
    const todo = Array.from({ length: settings.samples }, (_, i) => i).filter((i) => !done.has(i));
    const batch = batchFlag === 'auto' ? model.autoBatch(Math.min(32, Math.max(1, todo.length))) : batchFlag;

    const record: RunRecord = {
      format: 'mg3d-run',
      version: 1,
      model: { dir: resolve(f.model), hash, variant: config.variant },
      settings,
      adapter: rt.adapterName,
      batch,
      complete: todo.length === 0,
      samples: kept,
      timingsMs: { load: performance.now() - t0, total: previous?.timingsMs.total ?? 0 },
    };
    if (previous) warn(`resuming: ${kept.length} of ${settings.samples} samples already done`);
    warn(`adapter: ${rt.adapterName}; batch ${batch}; ${plural(todo.length, 'sample')} to generate`);

    const progress = new ProgressLine();
    const started = performance.now();
    const previousTotal = record.timingsMs.total;
    const save = () => {
      record.timingsMs.total = previousTotal + performance.now() - started;
      return saveRun(f.out!, record, config);
    };
    try {
      for await (const s of model.generate({
        context: contextOf,
        indices: todo,
        batch,
        seed: settings.seed,
        thresholds: settings.thresholds,
        signal,
        onProgress: (p) => progress.update(p),
      })) {
        const stem = sampleStem(s.index);
        const files = [`${stem}.vti`, `${stem}_phases.vti`];
        await writeFileAtomic(join(f.out, files[0]), writeVti(s.volume.shape, s.volume.data, 'volume'));
        await writeFileAtomic(join(f.out, files[1]), writeVti(s.volume.shape, s.phases, 'phase'));
        if (settings.npy) {
          files.push(`${stem}.npy`, `${stem}_phases.npy`);
          await writeFileAtomic(join(f.out, files[2]), writeNpy(s.volume.shape, s.volume.data));
          await writeFileAtomic(join(f.out, files[3]), writeNpy(s.volume.shape, s.phases));
        }
        record.samples.push({ index: s.index, context: s.context, features: s.features, files, timingsMs: s.timings });
        record.complete = record.samples.length === settings.samples;
        await save();
      }
    } catch (e) {
      progress.done();
      if (signal.aborted) {
        await save();
        warn(`interrupted: ${record.samples.length} of ${settings.samples} samples complete in ${f.out}; continue with --resume`);
        return 130;
      }
      if (record.samples.length) warn(`failed after ${plural(record.samples.length, 'complete sample')}, kept in ${f.out}; continue with --resume`);
      throw e;
    }
    progress.done();
    record.complete = true;
    await save();
    log(`wrote ${plural(settings.samples, 'sample')} to ${f.out}`);
    return 0;
  } finally {
    model.dispose();
  }
}
