import advanceStepWgsl from '../../shaders/ddpm-advance-step.wgsl';
import dpmSolverUpdateWgsl from '../../shaders/ddpm-dpm-solver-update.wgsl';
import fillNormalWgsl from '../../shaders/ddpm-fill-normal.wgsl';
import stateWgsl from '../../shaders/ddpm-state.wgsl';
import timeFromStepWgsl from '../../shaders/ddpm-time-from-step.wgsl';
import updateWgsl from '../../shaders/ddpm-update.wgsl';
import philoxWgsl from '../../shaders/philox.wgsl';
import { declareKernel, grid } from '../kernel/kernel.js';
import { wgslConstant } from '../kernel/wgsl-source.js';
import type { Allocator, Graph, Runtime, Tensor } from '../runtime/index.js';
import { ELEMENTWISE_PART, elementwiseGrid } from './elementwise.js';

/** Every sampler kernel reads the step state and the coefficient table; the ones that draw noise also Philox. */
const kernels = {
  timeFromStep: declareKernel({
    name: 'timeFromStep',
    parts: [stateWgsl, timeFromStepWgsl],
    uniforms: { struct: 'P', fields: { batch: 'u32', timesteps: 'u32' } },
    storage: { state: 'read', table: 'read', t: 'read_write' },
  }),
  advanceStep: declareKernel({
    name: 'advanceStep',
    parts: [stateWgsl, advanceStepWgsl],
    storage: { state: 'read_write' },
  }),
  update: declareKernel({
    name: 'ddpmUpdate',
    parts: [ELEMENTWISE_PART, philoxWgsl, stateWgsl, updateWgsl],
    uniforms: { struct: 'P', fields: { size: 'u32', per_sample: 'u32', batch: 'u32', noise_steps: 'u32', nan: 'f32' } },
    storage: { state: 'read', table: 'read', x: 'read_write', eps: 'read', noise: 'read' },
    overrides: { PHILOX_NOISE: 'bool' },
  }),
  dpmSolverUpdate: declareKernel({
    name: 'dpmSolverUpdate',
    parts: [ELEMENTWISE_PART, stateWgsl, dpmSolverUpdateWgsl],
    uniforms: { struct: 'P', fields: { size: 'u32', nan: 'f32' } },
    storage: { state: 'read', table: 'read', x: 'read_write', eps: 'read', previous: 'read_write' },
  }),
  fillNormal: declareKernel({
    name: 'fillNormal',
    parts: [ELEMENTWISE_PART, philoxWgsl, stateWgsl, fillNormalWgsl],
    uniforms: { struct: 'P', fields: { size: 'u32', per_sample: 'u32', counter_step: 'u32' } },
    storage: { state: 'read', x: 'read_write' },
  }),
};

const BUFFER_USAGE = 0x80 | 0x8 | 0x4; // STORAGE | COPY_DST | COPY_SRC, constants not global in every host

/** The words of one coefficient-table row (SamplerStep in shaders/ddpm-state.wgsl). */
export const SAMPLER_STEP_WORDS = wgslConstant(stateWgsl, 'SAMPLER_STEP_WORDS');
const STEP_BYTES = SAMPLER_STEP_WORDS * 4;

/** The step state: u32 [step, sampleOffset, key0, key1] (StepState in shaders/ddpm-state.wgsl). */
const STATE_BYTES = 16;

export function createStepState(owner: Allocator): GPUBuffer {
  return owner.buffer({ label: 'sampler step state', size: STATE_BYTES, usage: BUFFER_USAGE });
}

/** The Philox key of a seed: its low and high 32 bits. */
function philoxKey(op: string, seed: number): [number, number] {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`${op}: seed ${seed} must be an integer in [0, 2^53)`);
  return [seed % 2 ** 32, Math.floor(seed / 2 ** 32)];
}

/**
 * step: steps already done (the table row of the next one); sampleOffset: the
 * global index of batch element 0; seed: the Philox key, an integer below 2^53.
 */
export function setStepState(rt: Runtime, state: GPUBuffer, s: { step: number; sampleOffset: number; seed: number }): void {
  const words = new Uint32Array([s.step, s.sampleOffset, ...philoxKey('setStepState', s.seed)]);
  if (words[0] !== s.step || words[1] !== s.sampleOffset) {
    throw new Error(`setStepState: step ${s.step} and sampleOffset ${s.sampleOffset} must be u32`);
  }
  rt.device.queue.writeBuffer(state, 0, words);
}

/** A coefficient table of `capacity` rows (SamplerStep), to be filled by writeStepTable. */
export function createStepTable(owner: Allocator, capacity: number): GPUBuffer {
  if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`createStepTable: capacity ${capacity} must be a positive integer`);
  return owner.buffer({ label: 'sampler coefficient table', size: capacity * STEP_BYTES, usage: BUFFER_USAGE });
}

/** Writes `rows` (steps x SAMPLER_STEP_WORDS) and NaN in the rows after them, so a step past the run marks x. */
export function writeStepTable(rt: Runtime, table: GPUBuffer, rows: Float32Array): void {
  const capacity = table.size / STEP_BYTES;
  if (rows.length % SAMPLER_STEP_WORDS !== 0 || rows.length / SAMPLER_STEP_WORDS > capacity) {
    throw new Error(`writeStepTable: ${rows.length} values are not whole rows of ${SAMPLER_STEP_WORDS} within ${capacity} rows`);
  }
  const all = new Float32Array(capacity * SAMPLER_STEP_WORDS).fill(NaN);
  all.set(rows);
  rt.device.queue.writeBuffer(table, 0, all);
}

/** t[b] = i / timesteps for t (B), the UNet's time input at the current step's trained index i. */
export function timeFromStep(g: Graph, state: GPUBuffer, table: GPUBuffer, t: Tensor, timesteps: number): void {
  if (t.shape.length !== 1) throw new Error(`timeFromStep: t [${t.shape}] must be (B)`);
  kernels.timeFromStep.dispatch(g, {
    work: { signature: `timeFromStep [${t.shape}]`, bytes: 4 + 4 + t.byteLength },
    uniforms: { batch: t.size, timesteps },
    storage: { state, table, t },
    workgroups: grid(t.size, wgslConstant(timeFromStepWgsl, 'WORKGROUP')),
  });
}

/**
 * Where step noise z comes from. 'philox': generated from the state's seed and
 * (sample, trained index i, element), the same for a sample whatever the batch.
 * 'buffer': noise (S, B, ...latent), noise[k] used at step k; a noisy step
 * outside it turns x into NaN.
 */
export type NoiseSource = { kind: 'philox' } | { kind: 'buffer'; noise: Tensor };

function checkUpdateOperands(op: string, x: Tensor, eps: Tensor): string {
  const where = `${op}: x [${x.shape}], eps [${eps.shape}]`;
  if (String(x.shape) !== String(eps.shape)) throw new Error(`${where}: shapes differ`);
  if (x.sharesStorage(eps)) throw new Error(`${where}: x and eps must not share a buffer`);
  return where;
}

/**
 * One DDPM or DDIM step in place on x (B, ...latent) at the state's step:
 * x = a * (x - eps * b) + c * z with that step's table row; eps is the UNet's
 * prediction, same shape.
 */
export function ddpmUpdate(g: Graph, x: Tensor, eps: Tensor, table: GPUBuffer, state: GPUBuffer, noise: NoiseSource): void {
  const where = checkUpdateOperands('ddpmUpdate', x, eps);
  const batch = x.shape[0];
  let noiseSteps = 0;
  if (noise.kind === 'buffer') {
    const n = noise.noise;
    if (n.shape.length !== x.shape.length + 1 || String(n.shape.slice(1)) !== String(x.shape)) {
      throw new Error(`${where}: noise [${n.shape}] must be (steps, ${x.shape})`);
    }
    noiseSteps = n.shape[0];
  }
  kernels.update.dispatch(g, {
    // x read and written; eps read; a buffer's noise for this step only; the state and the step's row.
    work: {
      signature: `ddpmUpdate [${x.shape}] ${noise.kind} noise`,
      bytes: STATE_BYTES + STEP_BYTES + 3 * x.byteLength + (noise.kind === 'buffer' ? x.byteLength : 0),
    },
    overrides: { PHILOX_NOISE: noise.kind === 'philox' },
    uniforms: { size: x.size, per_sample: x.size / batch, batch, noise_steps: noiseSteps, nan: NaN },
    storage: { state, table, x, eps, noise: noise.kind === 'buffer' ? noise.noise : eps },
    workgroups: elementwiseGrid(x.size),
  });
}

/**
 * One DPM-Solver++(2M) step in place on x at the state's step: x0 = a * (x -
 * eps * b), x = c * x + d * x0 + e * previous, previous = x0. `previous` (the
 * last step's data prediction, x's shape) is read only where e != 0.
 */
export function dpmSolverUpdate(g: Graph, x: Tensor, eps: Tensor, previous: Tensor, table: GPUBuffer, state: GPUBuffer): void {
  const where = checkUpdateOperands('dpmSolverUpdate', x, eps);
  if (String(previous.shape) !== String(x.shape)) throw new Error(`${where}: previous [${previous.shape}] must have x's shape`);
  if (previous.sharesStorage(x) || previous.sharesStorage(eps)) throw new Error(`${where}: previous must have its own buffer`);
  kernels.dpmSolverUpdate.dispatch(g, {
    // x and previous read and written; eps read; the state and the step's row.
    work: { signature: `dpmSolverUpdate [${x.shape}]`, bytes: STATE_BYTES + STEP_BYTES + 5 * x.byteLength },
    uniforms: { size: x.size, nan: NaN },
    storage: { state, table, x, eps, previous },
    workgroups: elementwiseGrid(x.size),
  });
}

/** step += 1, on the GPU, after the step's update. */
export function advanceStep(g: Graph, state: GPUBuffer): void {
  kernels.advanceStep.dispatch(g, {
    work: { signature: 'advanceStep', bytes: 8 },
    uniforms: {},
    storage: { state },
    workgroups: [1, 1, 1],
  });
}

/**
 * x (B, ...latent) ~ N(0, 1): the starting point x_T, from Philox stream 1
 * keyed by the state's seed, at counter step word `counterStep` and the
 * state's sample indices.
 */
export function fillNormal(g: Graph, x: Tensor, state: GPUBuffer, counterStep: number): void {
  if (x.shape.length < 2) throw new Error(`fillNormal: x [${x.shape}] must be (B, ...latent)`);
  const batch = x.shape[0];
  kernels.fillNormal.dispatch(g, {
    work: { signature: `fillNormal [${x.shape}]`, bytes: STATE_BYTES + x.byteLength },
    uniforms: { size: x.size, per_sample: x.size / batch, counter_step: counterStep },
    storage: { state, x },
    workgroups: elementwiseGrid(x.size),
  });
}
