import { PRESETS } from '../models/config.js';
import { loadNetworks, type LoadedNetworks } from '../models/model.js';
import type { Precision } from '../models/precision.js';
import { SamplerPlan, samplerRun } from '../models/sampler.js';
import { samplerSettings, type SamplerSettings } from '../models/sampler-schedule.js';
import { executedFlops, Graph, RecordedGraph, type MemoryPlan, type Runtime } from '../runtime/index.js';
import { BENCH_VARIANTS, memorySource, PUBLISHED, benchModelFiles, type BenchVariant } from './bench-models.js';
import { buildDecoderGraph } from './decoder-graph.js';
import { benchDescriptors, type DescriptorTiming } from './descriptor-bench.js';
import { decoderFlops, unetFlops } from './model-flops.js';
import { TimeBudget } from './time-budget.js';
import { median, spreadOf, timeRuns, timeSamplerSteps, type Spread } from './timing.js';

/** Denoising steps per sample: i = n_T - 2 down to 1. */
export const STEPS_PER_SAMPLE = PUBLISHED.timesteps - 2;

export interface BenchSettings {
  nFeat: number;
  /** How the UNet stores its convolutions. */
  precision: Precision;
  /** Timed denoising steps (and feature-predictor runs) per batch, after one warm-up. */
  steps: number;
  /** Timed decoder runs after one warm-up. */
  decoderRuns: number;
  /** Timed descriptor measurements at most (at least one, more while the time budget allows). */
  descriptorRuns: number;
  batches: number[];
  timeBudgetSeconds: number;
  /** Samplers whose per-sample latency is reported, each at its step count. */
  samplers: SamplerSettings[];
}

/** Per-sample latency of one sampler at one batch: its steps at the measured step time. */
export interface SamplerRow {
  sampler: SamplerSettings['sampler'];
  steps: number;
  /** stepMs * steps / batch. */
  denoiseMsPerSample: number;
  /** denoise + decode + predict per sample; absent when the decoder was not measured. */
  totalMsPerSample?: number;
}

export interface BatchRow {
  batch: number;
  /** Wall time of one DDPM step (UNet + update) on the whole batch: the median of the timed steps. */
  stepMs: number;
  /** All the timed steps: median, min, max, count, and whether they agree well enough to trust. */
  step: Spread;
  /** The UNet's FLOP for the batch over stepMs. */
  gflopPerSecond: number;
  /** stepMs * 998 / batch, extrapolated from the timed steps. */
  denoiseMsPerSample: number;
  /** Feature predictor at this batch, divided by the batch. */
  predictMsPerSample: number;
  /** denoise + decode + predict per sample; absent when the decoder was not measured. */
  totalMsPerSample?: number;
  /** The same for each sampler of the settings. */
  samplers: SamplerRow[];
  /** The step graph's intermediates as planned by liveness, and the most of them live at once. */
  stepMemory: PlannedMemory;
  /** The feature predictor's, at this batch. */
  predictMemory: PlannedMemory;
  /** The runtime's peak so far: weights plus this batch's activations (batches run in ascending order). */
  poolPeakBytes: number;
}

/** A graph's planned intermediates (MemoryPlan.plannedBytes) against the lower bound (largestLiveBytes). */
export type PlannedMemory = Pick<MemoryPlan, 'plannedBytes' | 'largestLiveBytes'>;

export interface Skipped {
  skipped: string;
}

export interface DecodeResult {
  /** The VAE decoder on one latent, as `generate` runs it. */
  ms: number;
  gflop: number;
  memory: PlannedMemory;
  poolPeakBytes: number;
}

export interface VariantResult {
  variant: BenchVariant;
  preset: string;
  latentShape: number[];
  imageShape: number[];
  nFeat: number;
  vaeMaxChannels: number;
  /** Random weights, conversion to model files and loading. */
  setupSeconds: number;
  weightsBytes: number;
  /** The UNet's FLOP for one sample and one step. */
  unetGflopPerSample: number;
  /** What the kernels multiply per step and sample (Winograd executes fewer than the dense count). */
  unetExecutedGflopPerSample: number;
  batches: (BatchRow | ({ batch: number } & Skipped))[];
  decode: DecodeResult | Skipped;
  /** GraSPI descriptors of one sample of the variant's volume shape (generate --measure). */
  descriptors: DescriptorTiming;
  poolPeakBytes: number;
}

const MiB = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

export async function benchVariant(rt: Runtime, variant: BenchVariant, s: BenchSettings, log: (line: string) => void): Promise<VariantResult> {
  const preset = PRESETS[BENCH_VARIANTS[variant]];
  const t0 = performance.now();
  log(`${variant}: random weights in the published layout (UNet n_feat ${s.nFeat} in ${s.precision}, VAE max ${PUBLISHED.vaeMaxChannels})`);
  const nets = await loadNetworks(rt, memorySource(benchModelFiles(variant, s.nFeat, ['vae', 'fp', 'ddpm'])), s.precision);
  const setupSeconds = (performance.now() - t0) / 1000;
  const weightsBytes = rt.memoryStats().liveBytes;
  const unet = nets.unet!;
  const flopPerSample = unetFlops(nets.config.latentShape, unet.shape.nFeat, unet.shape.contextSize);
  const budget = new TimeBudget(s.timeBudgetSeconds);

  const batches: VariantResult['batches'] = [];
  let last: BatchRow | undefined;
  for (const batch of s.batches) {
    const refusal = stepRefusal(rt, nets, batch) ?? (last && budget.refusal((((last.stepMs * batch) / last.batch) * (1 + s.steps)) / 1000));
    if (refusal) {
      batches.push({ batch, skipped: refusal });
      continue;
    }
    log(`${variant}: batch ${batch}`);
    last = await benchBatch(rt, nets, batch, s, flopPerSample);
    batches.push(last);
  }

  const rates = batches.flatMap((b) => ('stepMs' in b ? [b.gflopPerSecond] : []));
  const decode = await benchDecode(rt, nets, s.decoderRuns, budget, rates.length ? Math.max(...rates) : undefined, log);
  if ('ms' in decode) {
    for (const b of batches) {
      if (!('stepMs' in b)) continue;
      b.totalMsPerSample = b.denoiseMsPerSample + decode.ms + b.predictMsPerSample;
      for (const r of b.samplers) r.totalMsPerSample = r.denoiseMsPerSample + decode.ms + b.predictMsPerSample;
    }
  }
  log(`${variant}: descriptors`);
  const [, d, h, w] = preset.imageShape;
  const descriptors = await benchDescriptors(rt, [d, h, w], s.descriptorRuns, budget);
  return {
    variant,
    preset: BENCH_VARIANTS[variant],
    latentShape: [...preset.latentShape],
    imageShape: [...preset.imageShape],
    nFeat: s.nFeat,
    vaeMaxChannels: PUBLISHED.vaeMaxChannels,
    setupSeconds,
    weightsBytes,
    unetGflopPerSample: flopPerSample / 1e9,
    unetExecutedGflopPerSample: executedFlopPerSample(rt, nets) / 1e9,
    batches,
    decode,
    descriptors,
    poolPeakBytes: rt.memoryStats().peakBytes,
  };
}

/** What the UNet's kernels multiply for one sample (Winograd executes fewer than the dense count); recorded, not run. */
function executedFlopPerSample(rt: Runtime, nets: LoadedNetworks): number {
  const unet = nets.unet!;
  const g = new Graph(rt);
  unet.build(g, g.tensor([1, ...nets.config.latentShape]), g.tensor([1]), g.tensor([1, unet.shape.contextSize]));
  const flops = g.work.reduce((sum, w) => sum + executedFlops(w), 0);
  g.dispose();
  return flops;
}

/** Why the step at `batch` cannot run here (a tensor over the binding limit), from its plan: nothing is allocated. */
function stepRefusal(rt: Runtime, nets: LoadedNetworks, batch: number): string | undefined {
  const probe = new SamplerPlan(rt, nets.unet!, nets.schedule!, nets.config.latentShape, batch, 'eps');
  const largest = probe.memoryPlan().largestTensorBytes;
  probe.dispose();
  const limit = rt.limits.maxStorageBufferBindingSize;
  return largest > limit ? `largest activation ${MiB(largest)} > maxStorageBufferBindingSize ${MiB(limit)}` : undefined;
}

function plannedMemory(plan: MemoryPlan): PlannedMemory {
  return { plannedBytes: plan.plannedBytes, largestLiveBytes: plan.largestLiveBytes };
}

async function benchBatch(rt: Runtime, nets: LoadedNetworks, batch: number, s: BenchSettings, unetFlopPerSample: number): Promise<BatchRow> {
  const { steps } = s;
  const { config, unet, schedule, featurePredictor } = nets;
  const plan = new SamplerPlan(rt, unet!, schedule!, config.latentShape, batch, 'eps');
  let predict: RecordedGraph<never, 'features'> | undefined;
  try {
    const context = new Float32Array(batch * config.contextAttributes.length).fill(0.5);
    plan.start(samplerRun(schedule!, samplerSettings(schedule!.timesteps, {})), { context, sampleOffset: 0, seed: 0 });
    const step = spreadOf(await timeSamplerSteps(plan, steps));
    const stepMs = step.median;
    const fp = RecordedGraph.record(rt, {}, (g) => ({ features: featurePredictor!.build(g, plan.x) }));
    predict = fp;
    const predictMs = median(await timeRuns(rt, () => fp.run(), steps));
    return {
      batch,
      stepMs,
      step,
      gflopPerSecond: (unetFlopPerSample * batch) / stepMs / 1e6,
      denoiseMsPerSample: (stepMs * STEPS_PER_SAMPLE) / batch,
      predictMsPerSample: predictMs / batch,
      // Every sampler's step is this graph but for its element-wise update (a latent's worth of values, next to a UNet evaluation).
      samplers: s.samplers.map((m) => ({ sampler: m.sampler, steps: m.steps, denoiseMsPerSample: (stepMs * m.steps) / batch })),
      stepMemory: plannedMemory(plan.memoryPlan()),
      predictMemory: plannedMemory(fp.memoryPlan),
      poolPeakBytes: rt.memoryStats().peakBytes,
    };
  } finally {
    predict?.dispose();
    plan.dispose();
    rt.trim();
  }
}

/** The decoder at batch 1, as `generate` runs it. */
async function benchDecode(
  rt: Runtime,
  nets: LoadedNetworks,
  runs: number,
  budget: TimeBudget,
  gflopPerSecond: number | undefined,
  log: (line: string) => void,
): Promise<DecodeResult | Skipped> {
  const g = buildDecoderGraph(rt, nets.decoder!, nets.config.latentShape);
  if ('skipped' in g) return g;
  try {
    const gflop = decoderFlops(nets.config.latentShape, nets.config.vaeMaxChannels) / 1e9;
    // Estimated from the UNet's achieved rate: the decoder's wide convolutions usually run faster, so this errs long.
    const refusal = gflopPerSecond === undefined ? undefined : budget.refusal((gflop / gflopPerSecond) * (1 + runs));
    if (refusal) return { skipped: refusal };
    log('decoder: batch 1');
    const ms = median(await timeRuns(rt, () => g.run(), runs));
    return { ms, gflop, memory: plannedMemory(g.memoryPlan), poolPeakBytes: rt.memoryStats().peakBytes };
  } finally {
    g.dispose();
    rt.trim();
  }
}
