import advanceStepWgsl from '../../shaders/ddpm-advance-step.wgsl';
import fillNormalWgsl from '../../shaders/ddpm-fill-normal.wgsl';
import stateWgsl from '../../shaders/ddpm-state.wgsl';
import timeFromStepWgsl from '../../shaders/ddpm-time-from-step.wgsl';
import updateWgsl from '../../shaders/ddpm-update.wgsl';
import philoxWgsl from '../../shaders/philox.wgsl';
import { declareKernel, grid } from '../kernel/kernel.js';
import { wgslConstant } from '../kernel/wgsl-source.js';
import type { Allocator, Graph, Runtime, Tensor } from '../runtime/index.js';
import { ELEMENTWISE_PART, elementwiseGrid } from './elementwise.js';

/** Every sampler kernel reads the step state; the ones that draw noise also Philox. */
const kernels = {
  timeFromStep: declareKernel({
    name: 'timeFromStep',
    parts: [stateWgsl, timeFromStepWgsl],
    uniforms: { struct: 'P', fields: { batch: 'u32', timesteps: 'u32' } },
    storage: { state: 'read', t: 'read_write' },
  }),
  advanceStep: declareKernel({
    name: 'advanceStep',
    parts: [stateWgsl, advanceStepWgsl],
    storage: { state: 'read_write' },
  }),
  update: declareKernel({
    name: 'ddpmUpdate',
    parts: [ELEMENTWISE_PART, philoxWgsl, stateWgsl, updateWgsl],
    uniforms: {
      struct: 'P',
      fields: {
        size: 'u32',
        per_sample: 'u32',
        batch: 'u32',
        timesteps: 'u32',
        key0: 'u32',
        key1: 'u32',
        first_step: 'u32',
        steps: 'u32',
        nan: 'f32',
      },
    },
    storage: { state: 'read', schedule: 'read', x: 'read_write', eps: 'read', noise: 'read' },
    overrides: { PHILOX_NOISE: 'bool' },
  }),
  fillNormal: declareKernel({
    name: 'fillNormal',
    parts: [ELEMENTWISE_PART, philoxWgsl, stateWgsl, fillNormalWgsl],
    uniforms: { struct: 'P', fields: { size: 'u32', per_sample: 'u32', key0: 'u32', key1: 'u32' } },
    storage: { state: 'read', x: 'read_write' },
  }),
};

const STATE_USAGE = 0x80 | 0x8 | 0x4; // STORAGE | COPY_DST | COPY_SRC, constants not global in every host

/** A 16-byte step state, u32 [i, sampleOffset, 0, 0]; set it with setStepState before use. */
/** The step state's words that kernels read or write: i and sampleOffset. */
const STATE_BYTES = 8;

export function createStepState(owner: Allocator): GPUBuffer {
  return owner.buffer({ label: 'ddpm step state', size: 16, usage: STATE_USAGE });
}

/** i: the DDPM index of the next step; sampleOffset: the global index of batch element 0. */
export function setStepState(rt: Runtime, state: GPUBuffer, i: number, sampleOffset: number): void {
  const words = new Uint32Array([i, sampleOffset, 0, 0]);
  if (words[0] !== i || words[1] !== sampleOffset) {
    throw new Error(`setStepState: i ${i} and sampleOffset ${sampleOffset} must be u32`);
  }
  rt.device.queue.writeBuffer(state, 0, words);
}

/** The sampler's per-step coefficients: `table` is (timesteps, 4), row i = (oneover_sqrta, mab_over_sqrtmab, sqrt_beta_t, 0). */
export interface Schedule {
  table: Tensor;
  timesteps: number;
}

export function prepareSchedule(
  owner: Allocator,
  s: { oneoverSqrta: Float32Array; mabOverSqrtmab: Float32Array; sqrtBetaT: Float32Array },
): Schedule {
  const timesteps = s.oneoverSqrta.length;
  if (s.mabOverSqrtmab.length !== timesteps || s.sqrtBetaT.length !== timesteps) {
    throw new Error(
      `prepareSchedule: oneoverSqrta (${timesteps}), mabOverSqrtmab (${s.mabOverSqrtmab.length}) and ` +
        `sqrtBetaT (${s.sqrtBetaT.length}) must have one length`,
    );
  }
  const table = new Float32Array(timesteps * 4);
  for (let i = 0; i < timesteps; i++) table.set([s.oneoverSqrta[i], s.mabOverSqrtmab[i], s.sqrtBetaT[i], 0], i * 4);
  return { table: owner.upload(table, [timesteps, 4]), timesteps };
}

/** t[b] = f32(i) / f32(timesteps) for t (B), the UNet's time input at the current step. */
export function timeFromStep(g: Graph, state: GPUBuffer, t: Tensor, timesteps: number): void {
  if (t.shape.length !== 1) throw new Error(`timeFromStep: t [${t.shape}] must be (B)`);
  kernels.timeFromStep.dispatch(g, {
    work: { signature: `timeFromStep [${t.shape}]`, bytes: STATE_BYTES + t.byteLength },
    uniforms: { batch: t.size, timesteps },
    storage: { state, t },
    workgroups: grid(t.size, wgslConstant(timeFromStepWgsl, 'WORKGROUP')),
  });
}

/**
 * Where step noise z comes from. 'philox': generated from the seed (an
 * integer below 2^53) and (sample, step, element), the same for a sample
 * whatever the batch. 'buffer': noise (S, B, ...latent), noise[s] used at
 * i = firstStep - s; a step outside it turns x into NaN.
 */
export type NoiseSource =
  | { kind: 'philox'; seed: number }
  | { kind: 'buffer'; noise: Tensor; firstStep: number };

function philoxKey(op: string, seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${op}: seed ${seed} must be an integer in [0, 2^53)`);
  return [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
}

/** One reverse step in place on x (B, ...latent) at the state's i; eps is the UNet's prediction, same shape. */
export function ddpmUpdate(g: Graph, x: Tensor, eps: Tensor, schedule: Schedule, state: GPUBuffer, noise: NoiseSource): void {
  const where = `ddpmUpdate: x [${x.shape}], eps [${eps.shape}]`;
  if (String(x.shape) !== String(eps.shape)) throw new Error(`${where}: shapes differ`);
  if (x.sharesStorage(eps)) throw new Error(`${where}: x and eps must not share a buffer`);
  const batch = x.shape[0];
  const perSample = x.size / batch;
  let key: [number, number] = [0, 0];
  let firstStep = 0;
  let steps = 0;
  if (noise.kind === 'philox') {
    key = philoxKey('ddpmUpdate', noise.seed);
  } else {
    const n = noise.noise;
    if (n.shape.length !== x.shape.length + 1 || String(n.shape.slice(1)) !== String(x.shape)) {
      throw new Error(`${where}: noise [${n.shape}] must be (steps, ${x.shape})`);
    }
    if (!Number.isInteger(noise.firstStep) || noise.firstStep < 0) {
      throw new Error(`${where}: firstStep ${noise.firstStep} must be a step index`);
    }
    [steps, firstStep] = [n.shape[0], noise.firstStep];
  }
  kernels.update.dispatch(g, {
    // x read and written; eps read; a buffer's noise for this step only; the step's three coefficients.
    work: {
      signature: `ddpmUpdate [${x.shape}] ${noise.kind} noise`,
      bytes: STATE_BYTES + 12 + 3 * x.byteLength + (noise.kind === 'buffer' ? x.byteLength : 0),
    },
    overrides: { PHILOX_NOISE: noise.kind === 'philox' },
    uniforms: {
      size: x.size,
      per_sample: perSample,
      batch,
      timesteps: schedule.timesteps,
      key0: key[0],
      key1: key[1],
      first_step: firstStep,
      steps,
      nan: NaN,
    },
    storage: { state, schedule: schedule.table, x, eps, noise: noise.kind === 'buffer' ? noise.noise : eps },
    workgroups: elementwiseGrid(x.size),
  });
}

/** i -= 1, on the GPU, after the step's update. */
export function advanceStep(g: Graph, state: GPUBuffer): void {
  kernels.advanceStep.dispatch(g, {
    work: { signature: 'advanceStep', bytes: 2 * STATE_BYTES },
    uniforms: {},
    storage: { state },
    workgroups: [1, 1, 1],
  });
}

/**
 * x (B, ...latent) ~ N(0, 1): the starting point x_T, from Philox stream 1 at
 * the state's i (set it to the first step) and sample indices.
 */
export function fillNormal(g: Graph, x: Tensor, state: GPUBuffer, seed: number): void {
  if (x.shape.length < 2) throw new Error(`fillNormal: x [${x.shape}] must be (B, ...latent)`);
  const batch = x.shape[0];
  const [key0, key1] = philoxKey('fillNormal', seed);
  kernels.fillNormal.dispatch(g, {
    work: { signature: `fillNormal [${x.shape}]`, bytes: STATE_BYTES + x.byteLength },
    uniforms: { size: x.size, per_sample: x.size / batch, key0, key1 },
    storage: { state, x },
    workgroups: elementwiseGrid(x.size),
  });
}
