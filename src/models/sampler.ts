import {
  advanceStep,
  createStepState,
  createStepTable,
  ddpmUpdate,
  dpmSolverUpdate,
  fillNormal,
  setStepState,
  timeFromStep,
  writeStepTable,
  type NoiseSource,
} from '../ops/ddpm.js';
import { Graph, type KernelWork, type MemoryPlan, type Runtime, type Tensor } from '../runtime/index.js';
import { ddpmSteps, samplerTable, type SamplerName, type SamplerSettings, type TrainedSchedule } from './sampler-schedule.js';
import type { WeightSet } from './weights.js';
import { bufferValues, type UNetArchitecture } from './architecture.js';

/** The trained schedule stored in ddpm.pt next to the UNet weights. */
export function loadSchedule(w: WeightSet, spec: UNetArchitecture): TrainedSchedule {
  const get = (name: keyof UNetArchitecture['schedule']) => bufferValues(w, spec.schedule[name]);
  return {
    file: w.file,
    timesteps: spec.timesteps,
    alphabar: get('alphabar_t'),
    oneoverSqrta: get('oneover_sqrta'),
    mabOverSqrtmab: get('mab_over_sqrtmab'),
    sqrtBetaT: get('sqrt_beta_t'),
  };
}

/** The network a plan denoises with: the UNet, or in tests an analytic predictor of eps. */
export interface NoisePredictor {
  readonly shape: { readonly contextSize: number };
  /** eps (B, ...latent) from x (B, ...latent), t (B) and context (B, K). */
  build(g: Graph, x: Tensor, t: Tensor, context: Tensor): Tensor;
}

/** The two kinds of update kernel: DDPM and DDIM share one, DPM-Solver++(2M) keeps the last data prediction. */
export type UpdateKind = 'eps' | 'multistep';
export const updateKind = (sampler: SamplerName): UpdateKind => (sampler === 'dpmpp-2m' ? 'multistep' : 'eps');

/** One run's denoising: the coefficient table (from samplerTable) and its number of steps. */
export interface SamplerRun {
  settings: SamplerSettings;
  table: Float32Array;
}

export function samplerRun(schedule: TrainedSchedule, settings: SamplerSettings): SamplerRun {
  return { settings, table: samplerTable(schedule, settings) };
}

/**
 * The reverse loop for one batch size and kind of update, entirely on the
 * GPU: the step count, seed and sample offset live in a state buffer and the
 * per-step coefficients in a table, so one recorded step graph is replayed
 * for every step of every run, whatever the seed, steps or sampler of that
 * kind, with no upload or readback in between.
 */
export class SamplerPlan {
  readonly x: Tensor;
  readonly context: Tensor;
  private readonly state: GPUBuffer;
  private readonly table: GPUBuffer;
  private readonly step: Graph;
  private readonly init: Graph;
  private current?: SamplerRun;
  private done = 0;
  private chunk = 1;

  constructor(
    private readonly rt: Runtime,
    network: NoisePredictor,
    schedule: TrainedSchedule,
    latentShape: readonly number[],
    readonly batch: number,
    readonly kind: UpdateKind,
    noise: NoiseSource = { kind: 'philox' },
  ) {
    this.step = new Graph(rt);
    this.init = new Graph(rt);
    this.x = this.step.tensor([batch, ...latentShape]);
    this.context = this.step.tensor([batch, network.shape.contextSize]);
    this.step.keep(this.x, this.context);
    const t = this.step.tensor([batch]);
    this.state = createStepState(rt);
    this.table = createStepTable(rt, ddpmSteps(schedule.timesteps));
    timeFromStep(this.step, this.state, this.table, t, schedule.timesteps);
    const eps = network.build(this.step, this.x, t, this.context);
    if (kind === 'eps') {
      ddpmUpdate(this.step, this.x, eps, this.table, this.state, noise);
    } else {
      if (noise.kind !== 'philox') throw new Error('SamplerPlan: the multistep update draws no noise; give it philox');
      // The previous step's eps is read before it is overwritten: it must survive between replays.
      const previous = this.step.tensor(this.x.shape);
      this.step.keep(previous);
      dpmSolverUpdate(this.step, this.x, eps, previous, this.table, this.state);
    }
    advanceStep(this.step, this.state);
    fillNormal(this.init, this.x, this.state, ddpmSteps(schedule.timesteps));
  }

  /**
   * Starts a batch: context (B, K); x_T given, or drawn from the Philox stream
   * of `seed` for samples sampleOffset .. sampleOffset + B - 1.
   */
  start(run: SamplerRun, o: { context: Float32Array; sampleOffset: number; seed: number; xT?: Float32Array }): void {
    if (updateKind(run.settings.sampler) !== this.kind) throw new Error(`SamplerPlan: a ${this.kind} plan cannot run ${run.settings.sampler}`);
    this.step.place();
    this.init.place();
    this.rt.write(this.context, o.context);
    setStepState(this.rt, this.state, { step: 0, sampleOffset: o.sampleOffset, seed: o.seed });
    // The table goes up once per run: batches of the same run reuse it.
    if (this.current?.table !== run.table) writeStepTable(this.rt, this.table, run.table);
    this.current = run;
    if (o.xT) this.rt.write(this.x, o.xT);
    else this.init.run();
    this.done = 0;
  }

  /** Where one recorded step's intermediates go (computed without allocating them). */
  memoryPlan(): MemoryPlan {
    return this.step.memoryPlan();
  }

  /** What each dispatch of one recorded step computes, in order. */
  get work(): KernelWork[] {
    return this.step.work;
  }

  /** Steps of the started run not yet done. */
  get remaining(): number {
    return (this.current?.settings.steps ?? 0) - this.done;
  }

  /**
   * Runs steps until `target` of the run's steps are done (default: all).
   * Steps are submitted in chunks sized to about a quarter second of GPU
   * work, awaiting the GPU between chunks so progress is observable, the
   * queue stays short and an abort takes effect quickly.
   */
  async runTo(target = this.done + this.remaining, onSteps?: (done: number) => void, signal?: AbortSignal): Promise<void> {
    const last = Math.min(target, this.done + this.remaining);
    while (this.done < last) {
      signal?.throwIfAborted();
      const n = Math.min(this.chunk, last - this.done);
      const t0 = performance.now();
      this.step.run(n);
      this.done += n;
      await this.rt.sync();
      const perStep = (performance.now() - t0) / n;
      this.chunk = Math.max(1, Math.min(64, Math.round(250 / Math.max(perStep, 1e-3))));
      onSteps?.(n);
    }
  }

  dispose(): void {
    this.step.dispose();
    this.init.dispose();
    this.rt.release(this.state, this.table);
  }
}

/**
 * Step graphs by batch size and update kind, the least recently used
 * released beyond `max`: a run needs its batch and its smaller last batch,
 * and each graph holds a UNet step's activations.
 */
export class SamplerPlans {
  private readonly plans = new Map<string, SamplerPlan>();

  constructor(
    private readonly make: (batch: number, kind: UpdateKind) => SamplerPlan,
    private readonly max = 2,
  ) {}

  get(batch: number, kind: UpdateKind): SamplerPlan {
    const key = `${batch} ${kind}`;
    const plan = this.plans.get(key) ?? this.make(batch, kind);
    this.plans.delete(key);
    this.plans.set(key, plan);
    for (const [oldest, p] of this.plans) {
      if (this.plans.size <= this.max) break;
      p.dispose();
      this.plans.delete(oldest);
    }
    return plan;
  }

  dispose(): void {
    for (const p of this.plans.values()) p.dispose();
    this.plans.clear();
  }
}
