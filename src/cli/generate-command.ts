import { createHash } from 'node:crypto';
import { extname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import type { HostTensor } from '../io/host-tensor.js';
import { readFileBytes, readModelFile, writeFileAtomic } from '../io/node-files.js';
import { readNpy, writeNpy } from '../io/npy.js';
import { readVti, writeVti } from '../io/vti.js';
import { measuresByDefault, MicroGen3D } from '../microgen3d.js';
import type { SamplerSettings } from '../models/sampler-schedule.js';
import { describeSubgroupMatrices } from '../ops/gemm.js';
import { reportLines } from '../report/conditioning.js';
import { reportRunFolder } from '../report/run-folder.js';
import type { Runtime } from '../runtime/index.js';
import { parseNumber, parseNumberList, parsePrecision, parseThresholds } from './args.js';
import type { CommandIo } from './command-io.js';
import { parseRandomSpec, randomContext } from './context-spec.js';
import { plural } from './format.js';
import { ProgressLine } from './progress.js';
import { OutDir } from './out-dir.js';
import { RunWriter, sampleStem, type RunSettings } from './run-record.js';
import { parseShard, shardIndices, shardLabel, type Shard } from './shard.js';

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
  --sampler S        ddpm (default: the reference loop, n_T - 2 = 998 steps), ddim or
                     dpmpp-2m (DPM-Solver++(2M)); see README "Samplers" for the schedules
  --steps N          denoising steps of ddim (default 50) or dpmpp-2m (default 20), 1 .. n_T - 2
  --eta E            ddim only: 0 (default) deterministic, up to 1 (DDPM-like noise)
  --measure          measure every sample's GraSPI descriptors into the
                     measured_* columns of outputs_predicted.csv and run.json, and end a
                     run of several samples with the conditioning report (mg3d help report).
                     Default: on for CPU adapters (2% of their generation time at the
                     published width), off on GPUs (not measured there yet)
  --no-measure       do not measure
  --npy              also write .npy volumes
  --resume           continue a stopped run in --out without redoing finished samples
                     (--samples may be raised; any other change is refused, naming it)
  --shard K/N        generate only samples i with i % N == K - 1 (1 <= K <= N); N such
                     processes (one per GPU or machine) fill one --out, and the last to
                     finish writes run.json and the CSVs as one process would have
  --out DIR          output folder (created, then locked while the run lasts):
                     sample_NNNNN.vti (float32), sample_NNNNN_phases.vti (uint8),
                     inputs_context.csv, outputs_predicted.csv, run.json, and the
                     per-sample journal samples.jsonl (samples.shard-K-of-N.jsonl)`;

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
  sampler?: string;
  steps?: string;
  eta?: string;
  npy?: boolean;
  measure?: boolean;
  'no-measure'?: boolean;
  resume?: boolean;
  out?: string;
  shard?: string;
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
  const outside = v.data.find((x) => !(x >= 0 && x <= 1));
  if (outside !== undefined) {
    throw new UsageError(
      `--from: ${path} holds ${outside}, outside [0, 1], the range of the volumes the encoder takes` +
        ' (a _phases file of a three-phase run holds labels 0, 1, 2: give the sample_NNNNN volume instead)',
    );
  }
  return { shape: [1, ...imageShape], data: v.data };
}

/** Seeds key a 2 x 32-bit Philox counter through float64 arithmetic: integers up to 2^53 - 1. */
const MAX_SEED = Number.MAX_SAFE_INTEGER;

function parseSettings(f: GenerateFlags, warn: (line: string) => void): { settings: Omit<RunSettings, 'context' | 'measure' | 'sampler'>; measure: boolean | undefined; batch: number | 'auto' } {
  const samples = f.samples === undefined ? 1 : parseNumber('samples', f.samples, { min: 1, integer: true });
  const seed = f.seed === undefined ? 0 : parseNumber('seed', f.seed, { min: 0, max: MAX_SEED, integer: true });
  let batch: number | 'auto' = f.batch === undefined ? 1 : f.batch === 'auto' ? 'auto' : parseNumber('batch', f.batch, { min: 1, integer: true });
  if (typeof batch === 'number' && batch > samples) {
    warn(`warning: --batch ${batch} is larger than --samples ${samples}; denoising ${samples} at a time`);
    batch = samples;
  }
  const thresholds = parseThresholds(f.threshold);
  const precision = parsePrecision(f.precision);
  if (f.measure && f['no-measure']) throw new UsageError('generate: give --measure or --no-measure, not both');
  const measure = f.measure ? true : f['no-measure'] ? false : undefined;
  return { settings: { seed, samples, thresholds, npy: Boolean(f.npy), precision }, measure, batch };
}

/** A generate run whose flags are checked and whose output folder is created and locked; the model is not loaded yet. */
export interface GenerateJob {
  flags: GenerateFlags & { model: string; out: string };
  base: Omit<RunSettings, 'context' | 'measure' | 'sampler'>;
  /** --measure / --no-measure; undefined: the adapter's default (measuresByDefault). */
  measure: boolean | undefined;
  batch: number | 'auto';
  shard: Shard;
  outDir: OutDir;
}

/**
 * Everything that can fail without the GPU, before it is opened: the flags,
 * then the output folder (created and locked, so an unwritable --out fails in
 * a second, not after the model loads). Release the job's outDir when done.
 */
export function prepareGenerate(f: GenerateFlags, io: CommandIo): GenerateJob {
  if (!f.model) throw new UsageError('generate: --model DIR is required');
  if (!f.out) throw new UsageError('generate: --out DIR is required');
  const modes = [f.context, f.random, f.from].filter((v) => v !== undefined).length;
  if (modes !== 1) throw new UsageError('generate: give exactly one of --context, --random, --from');
  const { settings: base, measure, batch } = parseSettings(f, io.warn);
  const shard = parseShard(f.shard);
  if (shard.count > base.samples) throw new UsageError(`--shard ${f.shard}: more shards than the ${plural(base.samples, 'sample')}`);
  const outDir = OutDir.open(f.out, shard, io.warn);
  return { flags: { ...f, model: f.model, out: f.out }, base, measure, batch, shard, outDir };
}

/** prepareGenerate, then runGenerate on `rt`. */
export async function generateCommand(rt: Runtime, f: GenerateFlags, io: CommandIo, signal: AbortSignal): Promise<number> {
  const job = prepareGenerate(f, io);
  try {
    return await runGenerate(rt, job, io, signal);
  } finally {
    job.outDir.release();
  }
}

export async function runGenerate(rt: Runtime, job: GenerateJob, io: CommandIo, signal: AbortSignal): Promise<number> {
  const { out: log, warn } = io;
  const { flags: f, base, shard } = job;
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
      log(`--from ${f.from}: predicted ${config.attributes.map((a, i) => `${a}=${reading[i]!.toPrecision(4)}`).join(', ')}`);
      contextOf = () => values;
      context = { mode: 'from', volume: resolve(f.from!), values };
      warnings = model.contextWarnings(values);
    }
    for (const w of warnings) warn(`warning: ${w}`);
    const sampler = model.samplerSettings({
      sampler: f.sampler,
      steps: f.steps === undefined ? undefined : parseNumber('steps', f.steps, { min: 1, integer: true }),
      eta: f.eta === undefined ? undefined : parseNumber('eta', f.eta, { min: 0 }),
    });
    const settings: RunSettings = { ...base, context, measure: job.measure ?? measuresByDefault(rt), sampler };
    const modelId = { dir: resolve(f.model), hash: reader.digest(), variant: config.variant };

    const writer = await RunWriter.open(f.out, { model: modelId, settings, shard, adapter: rt.adapterName, resume: Boolean(f.resume) }, config, warn);
    const done = new Set(writer.samplesDone.map((s) => s.index));
    const todo = shardIndices(settings.samples, shard).filter((i) => !done.has(i));
    const batch = job.batch === 'auto' ? model.autoBatch(Math.min(32, Math.max(1, todo.length))) : job.batch;
    writer.setPlan(batch, performance.now() - t0);
    const part = shard.count > 1 ? ` of shard ${shardLabel(shard)}` : '';
    if (done.size) warn(`resuming: ${done.size} of ${plural(shardIndices(settings.samples, shard).length, 'sample')}${part} already done`);
    warn(`adapter: ${rt.adapterName}${rt.subgroupMatrixConfigs.length ? `; ${describeSubgroupMatrices(rt)}` : ''}; batch ${batch}; ${describeSampler(sampler)}; ${plural(todo.length, 'sample')}${part} to generate`);

    const progress = new ProgressLine();
    let written = 0;
    try {
      for await (const s of model.generate({
        context: contextOf,
        indices: todo,
        batch,
        seed: settings.seed,
        ...sampler,
        thresholds: settings.thresholds,
        measure: settings.measure,
        signal,
        onProgress: (p) => progress.update(p),
      })) {
        const stem = sampleStem(s.index);
        const files = [`${stem}.vti`, `${stem}_phases.vti`];
        await writeFileAtomic(join(f.out, files[0]!), writeVti(s.volume.shape, s.volume.data, 'volume'));
        await writeFileAtomic(join(f.out, files[1]!), writeVti(s.volume.shape, s.phases, 'phase'));
        if (settings.npy) {
          files.push(`${stem}.npy`, `${stem}_phases.npy`);
          await writeFileAtomic(join(f.out, files[2]!), writeNpy(s.volume.shape, s.volume.data));
          await writeFileAtomic(join(f.out, files[3]!), writeNpy(s.volume.shape, s.phases));
        }
        await writer.add({ index: s.index, context: s.context, features: s.features, ...(s.measured && { measured: s.measured }), files, timingsMs: s.timings });
        written++;
      }
    } catch (e) {
      progress.done();
      await writer.finish(false);
      const kept = writer.samplesDone.length;
      if (signal.aborted) {
        warn(`interrupted: ${kept} of ${plural(settings.samples, 'sample')}${part} complete in ${f.out}; continue with --resume`);
        return 130;
      }
      if (written) warn(`failed after ${plural(written, 'complete sample')}, kept in ${f.out}; continue with --resume`);
      throw e;
    }
    progress.done();
    const running = await writer.finish(true);
    if (shard.count === 1) log(`wrote ${plural(settings.samples, 'sample')} to ${f.out}`);
    else if (running) log(`shard ${shardLabel(shard)}: wrote ${plural(written, 'sample')} to ${f.out}; ${plural(running, 'shard')} still to finish`);
    else log(`shard ${shardLabel(shard)}: wrote ${plural(written, 'sample')}; all ${shard.count} shards done: ${plural(settings.samples, 'sample')} in ${f.out}`);
    // The report covers the whole run: the process that completes it writes it.
    // Made as mg3d report makes it, from the tables just written, so the two give the same file.
    if (running === 0 && settings.measure && settings.samples > 1) {
      const { report, files } = await reportRunFolder(f.out, () => Promise.reject(new Error('a measured run has measured_* columns')));
      for (const line of reportLines(report)) log(line);
      log(`wrote ${files.join(', ')}`);
    }
    return 0;
  } finally {
    model.dispose();
  }
}

function describeSampler(s: SamplerSettings): string {
  return `sampler ${s.sampler}, ${s.steps} steps${s.sampler === 'ddim' ? ` (eta ${s.eta})` : ''}`;
}
