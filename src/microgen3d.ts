import { measureDescriptors, type Descriptors, type MeasureOptions } from './descriptors/index.js';
import { GpuError, UsageError } from './errors.js';
import type { HostTensor } from './io/host-tensor.js';
import { contextIndices, rangeWarnings, type ModelConfig } from './models/config.js';
import { loadNetworks, type FileSource, type LoadedNetworks } from './models/model.js';
import type { Precision } from './models/precision.js';
import { SamplerPlan, SamplerPlans, samplerRun, updateKind } from './models/sampler.js';
import { samplerSettings, type SamplerName, type SamplerSettings } from './models/sampler-schedule.js';
import { Stage } from './models/stage.js';
import { adapterReport } from './perf/adapter.js';
import type { Runtime } from './runtime/index.js';

export interface GenerateOptions {
  /** One context for every sample, or one per sample index (context order, or the full attribute vector). */
  context: readonly number[] | ((sampleIndex: number) => readonly number[]);
  /** Number of samples (indices 0 .. samples-1), unless `indices` picks some. */
  samples?: number;
  /** Sample indices to generate; a sample's noise depends only on (seed, index). */
  indices?: readonly number[];
  /** Samples denoised together (default 1). */
  batch?: number;
  seed?: number;
  /** Denoising sampler (default 'ddpm', the reference loop; see README "Samplers"). */
  sampler?: SamplerName;
  /** Steps: ddpm always runs the trained n_T - 2; ddim defaults to 50, dpmpp-2m to 20. */
  steps?: number;
  /** DDIM only: 0 (default) deterministic, 1 the DDPM-like posterior noise. */
  eta?: number;
  /** Thresholds for phases: one (two phases) or two ascending (three phases). Default [0.5]. */
  thresholds?: readonly number[];
  /**
   * Measure each sample's GraSPI descriptors (`measure`) into `measured`. Default: on for CPU
   * adapters, off on GPUs (`measuresByDefault`).
   */
  measure?: boolean;
  onProgress?: (p: GenerateProgress) => void;
  signal?: AbortSignal;
}

export interface GenerateProgress {
  /** Denoising steps done in this run, over all samples, and the total. */
  stepsDone: number;
  stepsTotal: number;
  samplesDone: number;
  samplesTotal: number;
}

export interface GeneratedSample {
  index: number;
  /** Conditioning, in context-attribute order. */
  context: number[];
  /** Final latent (C, d, h, w). */
  latent: HostTensor;
  /** Decoded volume in [0, 1], shape (D, H, W). */
  volume: HostTensor;
  /** 0/1 (or 0/1/2) per voxel, shape as volume. */
  phases: Uint8Array;
  /** Feature-predictor reading of the latent, in attribute order. */
  features: number[];
  /** GraSPI descriptors of `phases` (names: `descriptorNames`), when generated with `measure`. */
  measured?: Descriptors;
  /** Milliseconds spent in each stage for this sample's batch (shared stages divided by batch); measure 0 when not measured. */
  timings: { denoise: number; decode: number; predict: number; measure: number };
}

const prod = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** A context value this far from the training data's O(1) descriptors is named as the cause of a non-finite latent. */
const OUT_OF_RANGE_CONTEXT = 1e3;

/** A loaded MicroGen3D model: the JS API over the engine. */
export class MicroGen3D {
  private readonly plans = new SamplerPlans(
    (batch, kind) => new SamplerPlan(this.runtime, this.nets.unet!, this.nets.schedule!, this.config.latentShape, batch, kind),
  );
  private generating = false;
  private readonly decoder?: Stage<'volume'>;
  private readonly predictor?: Stage<'features'>;
  private readonly encoder?: Stage<'mu' | 'logvar'>;

  private constructor(
    readonly runtime: Runtime,
    private readonly nets: LoadedNetworks,
    private readonly ownsRuntime: boolean,
    /** How the UNet stores its convolutions (see src/models/precision.ts). */
    readonly precision: Precision,
  ) {
    const { config } = nets;
    const latent = config.latentShape;
    const { decoder, featurePredictor, encoder } = nets;
    if (decoder) this.decoder = new Stage(runtime, latent, (g, z) => ({ volume: decoder.build(g, z) }));
    if (featurePredictor) this.predictor = new Stage(runtime, latent, (g, z) => ({ features: featurePredictor.build(g, z) }));
    if (encoder) this.encoder = new Stage(runtime, config.imageShape, (g, x) => encoder.build(g, x));
  }

  /** With `ownsRuntime`, dispose() also destroys the runtime. */
  static async load(runtime: Runtime, read: FileSource, options: { ownsRuntime?: boolean; precision?: Precision } = {}): Promise<MicroGen3D> {
    const { ownsRuntime = false, precision = 'f32' } = options;
    try {
      return new MicroGen3D(runtime, await loadNetworks(runtime, read, precision), ownsRuntime, precision);
    } catch (e) {
      if (ownsRuntime) runtime.destroy();
      throw e;
    }
  }

  get config(): ModelConfig {
    return this.nets.config;
  }

  /**
   * Checks a context vector and returns it in context-attribute order: given
   * the full attribute vector, the context attributes are picked out of it.
   */
  contextVector(values: readonly number[]): number[] {
    const c = this.config;
    if (values.some((v) => !Number.isFinite(v))) throw new UsageError(`context values must be finite numbers, got [${values}]`);
    const huge = values.find((v) => !Number.isFinite(Math.fround(v)));
    if (huge !== undefined) throw new UsageError(`context value ${huge} is out of range: the model computes in float32 (|value| < 3.4e38)`);
    if (values.length === c.contextAttributes.length) return [...values];
    if (values.length === c.attributes.length) return contextIndices(c).map((i) => values[i]);
    throw new UsageError(
      `context needs ${c.contextAttributes.length} values (${c.contextAttributes.join(', ')})` +
        (c.attributes.length !== c.contextAttributes.length ? ` or all ${c.attributes.length} attributes (${c.attributes.join(', ')})` : '') +
        `, got ${values.length}`,
    );
  }

  /** One line per context value outside the range seen in training (model.json's attributeRanges). */
  contextWarnings(values: readonly number[]): string[] {
    return rangeWarnings(this.config, this.contextVector(values));
  }

  async *generate(o: GenerateOptions): AsyncGenerator<GeneratedSample> {
    const { unet, schedule } = this.nets;
    if (!unet || !schedule) throw new UsageError('generate: this model folder has no ddpm weights');
    if (!this.decoder) throw new UsageError('generate: this model folder has no VAE weights');
    const indices = o.indices ?? Array.from({ length: o.samples ?? 1 }, (_, i) => i);
    const batch = o.batch ?? 1;
    const seed = o.seed ?? 0;
    const thresholds = o.thresholds ?? [0.5];
    const measure = o.measure ?? measuresByDefault(this.runtime);
    if (!Number.isInteger(batch) || batch < 1) throw new UsageError(`batch must be a positive integer, got ${batch}`);
    if (!Number.isSafeInteger(seed) || seed < 0) throw new UsageError(`seed must be an integer in [0, 2^53), got ${seed}`);
    const run = samplerRun(schedule, this.samplerSettings(o));
    // Runs share the step graphs and their state buffers, so they cannot interleave.
    if (this.generating) throw new UsageError('generate: this model is already generating; finish that run first or load the model again');
    const contextOf = (i: number) => this.contextVector(typeof o.context === 'function' ? o.context(i) : o.context);
    const K = this.config.contextAttributes.length;
    const latentShape = this.config.latentShape;
    const latentSize = prod(latentShape);
    const progress: GenerateProgress = { stepsDone: 0, stepsTotal: indices.length * run.settings.steps, samplesDone: 0, samplesTotal: indices.length };

    this.generating = true;
    try {
      for (const group of consecutiveGroups(indices, batch)) {
        const n = group.length;
        const contexts = group.map(contextOf);
        const plan = this.plans.get(n, updateKind(run.settings.sampler));
        const flat = new Float32Array(n * K);
        contexts.forEach((c, b) => flat.set(c, b * K));
        const t0 = performance.now();
        plan.start(run, { context: flat, sampleOffset: group[0], seed });
        await plan.runTo(
          undefined,
          (steps) => {
            progress.stepsDone += steps * n;
            o.onProgress?.({ ...progress });
          },
          o.signal,
        );
        const latents = await this.runtime.download(plan.x);
        this.assertFinite(latents, group, contexts, latentSize);
        const t1 = performance.now();
        const features = this.predictor ? (await this.predictor.runHost(latents, n)).features : new Float32Array(0);
        const t2 = performance.now();
        for (let b = 0; b < n; b++) {
          o.signal?.throwIfAborted();
          const td = performance.now();
          const volume = await this.decodeOne(plan, b);
          const decodeMs = performance.now() - td;
          const phases = threshold(volume.data, thresholds);
          const tm = performance.now();
          const measured = measure ? await this.measure(phases, { phases: thresholds.length === 2 ? 3 : 2 }) : undefined;
          const measureMs = measure ? performance.now() - tm : 0;
          const A = this.config.attributes.length;
          progress.samplesDone++;
          yield {
            index: group[b],
            context: contexts[b],
            latent: { shape: [...latentShape], data: latents.slice(b * latentSize, (b + 1) * latentSize) },
            volume,
            phases,
            features: this.predictor ? Array.from(features.subarray(b * A, (b + 1) * A)) : [],
            ...(measured && { measured }),
            timings: { denoise: (t1 - t0) / n, decode: decodeMs, predict: (t2 - t1) / n, measure: measureMs },
          };
        }
      }
    } finally {
      this.generating = false;
    }
  }

  /** Checks and completes a sampler choice for this model (ddpm unless asked otherwise). */
  samplerSettings(o: { sampler?: string; steps?: number; eta?: number }): SamplerSettings {
    const { schedule } = this.nets;
    if (!schedule) throw new UsageError('this model folder has no ddpm weights');
    return samplerSettings(schedule.timesteps, o);
  }

  /** Later stages launder NaN (ReLU, clamps), so a broken latent must be caught here. */
  private assertFinite(latents: Float32Array, group: readonly number[], contexts: readonly number[][], latentSize: number): void {
    const bad = latents.findIndex((v) => !Number.isFinite(v));
    if (bad < 0) return;
    const b = Math.floor(bad / latentSize);
    const largest = Math.max(...contexts[b]!.map(Math.abs));
    // Descriptors are fractions and tortuosities of order 1; far beyond that the conditioning overflows float32.
    const cause =
      largest > OUT_OF_RANGE_CONTEXT
        ? `its context [${contexts[b]}] is out of range (values of order 1 are what the model was trained on)`
        : `the model's noise schedule or weights are invalid${this.precision === 'f16' ? ', or f16 overflowed (try precision f32)' : ''}`;
    throw new GpuError(`denoising produced non-finite latent values (sample ${group[b]}): ${cause}`);
  }

  /**
   * The largest batch up to `max` whose planned denoising step (its
   * intermediates placed by liveness) fits in `budgetBytes` and whose largest
   * tensor fits the adapter's binding limit; at least 1. Planning allocates
   * nothing. WebGPU does not report free memory, so the budget is a stated
   * assumption, not a measurement.
   */
  autoBatch(max: number, budgetBytes = 2 ** 31): number {
    const { unet, schedule } = this.nets;
    if (!unet || !schedule) throw new UsageError('this model folder has no ddpm weights');
    const fits = (batch: number) => {
      const probe = new SamplerPlan(this.runtime, unet, schedule, this.config.latentShape, batch, 'eps');
      const plan = probe.memoryPlan();
      probe.dispose();
      return plan.plannedBytes <= budgetBytes && plan.largestTensorBytes <= this.runtime.limits.maxStorageBufferBindingSize;
    };
    // Plans grow with the batch, so the largest batch that fits is found by bisection.
    let lo = 1;
    let hi = Math.max(1, Math.floor(max));
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(mid)) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * GraSPI descriptors of a sample's phase map (`GeneratedSample.phases`, in the model's volume
   * shape), measured on this model's device; names as `descriptorNames`.
   */
  measure(phases: Uint8Array, options: MeasureOptions = {}): Promise<Descriptors> {
    const [, d, h, w] = this.config.imageShape;
    return measureDescriptors(this.runtime, { data: phases, shape: [d, h, w] }, options);
  }

  /** Latent (B, C, d, h, w) -> volume (B, 1, D, H, W) in [0, 1]. */
  async decode(z: HostTensor): Promise<HostTensor> {
    if (!this.decoder) throw new UsageError('decode: this model folder has no VAE weights');
    const b = this.batchOf(z, this.config.latentShape, 'decode');
    const { volume } = await this.decoder.runHost(z.data, b);
    return { shape: [b, ...this.config.imageShape], data: volume };
  }

  /** Latent (B, C, d, h, w) -> attributes (B, A). */
  async predictFeatures(z: HostTensor): Promise<HostTensor> {
    if (!this.predictor) throw new UsageError('predictFeatures: this model folder has no feature-predictor weights');
    const b = this.batchOf(z, this.config.latentShape, 'predictFeatures');
    const { features } = await this.predictor.runHost(z.data, b);
    return { shape: [b, this.config.attributes.length], data: features };
  }

  /**
   * Volume (B, 1, D, H, W) -> mu, logvar and z = mu + exp(logvar / 2) * eps,
   * eps standard normal from `seed` (the VAE's reparameterisation).
   */
  async encode(volume: HostTensor, seed = 0): Promise<{ mu: HostTensor; logvar: HostTensor; z: HostTensor }> {
    if (!this.encoder) throw new UsageError('encode: this model folder has no VAE weights');
    const b = this.batchOf(volume, this.config.imageShape, 'encode');
    const { mu, logvar } = await this.encoder.runHost(volume.data, b);
    const eps = gaussian(mu.length, seed);
    const z = mu.map((m, i) => m + Math.exp(0.5 * logvar[i]) * eps[i]);
    const shape = [b, ...this.config.latentShape];
    return { mu: { shape, data: mu }, logvar: { shape, data: logvar }, z: { shape, data: z } };
  }

  /** Frees every GPU resource the model holds: the runtime's live bytes return to what they were before load. */
  dispose(): void {
    this.plans.dispose();
    this.decoder?.dispose();
    this.predictor?.dispose();
    this.encoder?.dispose();
    this.nets.scope.dispose();
    if (this.ownsRuntime) this.runtime.destroy();
    else this.runtime.trim();
  }

  private async decodeOne(plan: SamplerPlan, b: number): Promise<HostTensor> {
    const stage = this.decoder!.for(1);
    const n = prod(this.config.latentShape);
    this.runtime.copy(plan.x, b * n, stage.inputs.input, 0, n);
    stage.run();
    const data = await this.runtime.download(stage.outputs.volume);
    return { shape: this.config.imageShape.slice(1), data };
  }

  private batchOf(t: HostTensor, itemShape: readonly number[], op: string): number {
    const item = prod(itemShape);
    const ok = t.shape.length === itemShape.length + 1 && t.shape.slice(1).every((s, i) => s === itemShape[i]) && t.data.length === prod(t.shape);
    if (!ok) throw new UsageError(`${op}: expected shape [B, ${itemShape}], got [${t.shape}]`);
    return t.data.length / item;
  }
}

/**
 * Whether generate measures descriptors when not told: only where it costs
 * under 5% of generation time. Measured on lavapipe (2-core VM, bench/RESULTS.md):
 * 18-25 s per 128x128x64 sample and 4.7-5.8 s per 64^3 one, against 1040-1070 s
 * and 2300-3660 s of generation at the published width (2% and 0.2%). A GPU
 * generates a sample in about a second (the paper's A100: 0.5-0.8 s) and the
 * descriptors' GPU time there is not measured yet, so there it is off unless asked for.
 */
export function measuresByDefault(rt: Runtime): boolean {
  return adapterReport(rt).isCpu;
}

/** Splits indices into runs of consecutive values, each at most `batch` long. */
export function consecutiveGroups(indices: readonly number[], batch: number): number[][] {
  const groups: number[][] = [];
  for (const i of indices) {
    const last = groups[groups.length - 1];
    if (last && last.length < batch && last[last.length - 1] === i - 1) last.push(i);
    else groups.push([i]);
  }
  return groups;
}

/** Phase per voxel: the number of thresholds the value exceeds. */
export function threshold(volume: Float32Array, thresholds: readonly number[]): Uint8Array {
  const out = new Uint8Array(volume.length);
  for (let i = 0; i < volume.length; i++) {
    let p = 0;
    for (const t of thresholds) if (volume[i] > t) p++;
    out[i] = p;
  }
  return out;
}

/** Standard normals from a seeded xorshift stream and Box-Muller (host side, small sizes). */
function gaussian(n: number, seed: number): Float32Array {
  let s = (seed ^ 0x9e3779b9) >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 1) / 4294967297;
  };
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}
