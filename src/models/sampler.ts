import {
  advanceStep,
  createStepState,
  ddpmUpdate,
  fillNormal,
  prepareSchedule,
  setStepState,
  timeFromStep,
  type NoiseSource,
  type Schedule,
} from '../ops/ddpm.js';
import { Graph, type Allocator, type MemoryPlan, type Runtime, type Tensor } from '../runtime/index.js';
import type { UNet } from './unet.js';
import type { WeightSet } from './weights.js';
import { SCHEDULE_BUFFERS } from './architecture.js';

/** Schedule buffers stored in ddpm.pt next to the UNet weights. */
export function loadSchedule(owner: Allocator, w: WeightSet): Schedule {
  const n = w.get('oneover_sqrta', [-1]).shape[0];
  const get = (name: string) => w.get(name, [n]).data;
  for (const name of SCHEDULE_BUFFERS) get(name);
  return prepareSchedule(owner, { oneoverSqrta: get('oneover_sqrta'), mabOverSqrtmab: get('mab_over_sqrtmab'), sqrtBetaT: get('sqrt_beta_t') });
}

/**
 * The DDPM reverse loop for one batch size, entirely on the GPU: the step
 * index lives in a GPU buffer, so one recorded step graph is replayed for
 * i = n_T - 2 down to 1 with no upload or readback in between.
 */
export class SamplerPlan {
  readonly x: Tensor;
  readonly context: Tensor;
  private readonly state: GPUBuffer;
  private readonly step: Graph;
  private readonly init: Graph;
  private nextStep: number;
  private chunk = 1;

  constructor(
    private readonly rt: Runtime,
    unet: UNet,
    private readonly schedule: Schedule,
    latentShape: readonly number[],
    readonly batch: number,
    noise: NoiseSource,
  ) {
    this.step = new Graph(rt);
    this.init = new Graph(rt);
    this.x = this.step.tensor([batch, ...latentShape]);
    this.context = this.step.tensor([batch, unet.shape.contextSize]);
    this.step.keep(this.x, this.context);
    const t = this.step.tensor([batch]);
    this.state = createStepState(rt);
    timeFromStep(this.step, this.state, t, schedule.timesteps);
    const eps = unet.build(this.step, this.x, t, this.context);
    ddpmUpdate(this.step, this.x, eps, schedule, this.state, noise);
    advanceStep(this.step, this.state);
    if (noise.kind === 'philox') fillNormal(this.init, this.x, this.state, noise.seed);
    this.nextStep = this.firstStep;
  }

  get firstStep(): number {
    return this.schedule.timesteps - 2;
  }

  /** Starts a batch: context (B, K); x_T given, or drawn from the Philox stream. The first start allocates the step's memory. */
  start(context: Float32Array, sampleOffset: number, xT?: Float32Array): void {
    this.step.place();
    this.init.place();
    this.rt.write(this.context, context);
    setStepState(this.rt, this.state, this.firstStep, sampleOffset);
    if (xT) this.rt.write(this.x, xT);
    else this.init.run();
    this.nextStep = this.firstStep;
  }

  /** Where one recorded step's intermediates go (computed without allocating them). */
  memoryPlan(): MemoryPlan {
    return this.step.memoryPlan();
  }

  /** Steps remaining before x is the final latent. */
  get remaining(): number {
    return this.nextStep;
  }

  /**
   * Runs steps i = next .. until (inclusive, >= 1). Steps are submitted in
   * chunks sized to about a quarter second of GPU work, awaiting the GPU
   * between chunks so progress is observable, the queue stays short and an
   * abort takes effect quickly.
   */
  async runUntil(until: number, onSteps?: (done: number) => void, signal?: AbortSignal): Promise<void> {
    const last = Math.max(until, 1);
    while (this.nextStep >= last) {
      signal?.throwIfAborted();
      const n = Math.min(this.chunk, this.nextStep - last + 1);
      const t0 = performance.now();
      this.step.run(n);
      this.nextStep -= n;
      await this.rt.sync();
      const perStep = (performance.now() - t0) / n;
      this.chunk = Math.max(1, Math.min(64, Math.round(250 / Math.max(perStep, 1e-3))));
      onSteps?.(n);
    }
  }

  dispose(): void {
    this.step.dispose();
    this.init.dispose();
    this.rt.release(this.state);
  }
}
