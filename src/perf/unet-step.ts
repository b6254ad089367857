import type { UNet } from '../models/unet.js';
import { timeConvPaths, type ConvTiming } from '../ops/conv-choice.js';
import type { Graph, Runtime, Tensor } from '../runtime/index.js';

export interface UnetStep {
  x: Tensor;
  t: Tensor;
  c: Tensor;
  eps: Tensor;
}

/** One UNet evaluation on a batch, over inputs the graph owns: x (B, ...latent), t (B), c (B, K). */
export function buildUnetStep(g: Graph, unet: UNet, latentShape: readonly number[], batch: number): UnetStep {
  const x = g.tensor([batch, ...latentShape]);
  const t = g.tensor([batch]);
  const c = g.tensor([batch, unet.shape.contextSize]);
  return { x, t, c, eps: unet.build(g, x, t, c) };
}

/** Times Winograd against the direct kernel on each of the UNet's 3x3x3 layers at this batch (see src/ops/conv-choice.ts). */
export function timeUnetConvPaths(rt: Runtime, unet: UNet, latentShape: readonly number[], batch: number): Promise<ConvTiming[]> {
  return timeConvPaths(rt, (g) => buildUnetStep(g, unet, latentShape, batch));
}

export interface UnetInputs {
  x: Float32Array;
  t: Float32Array;
  c: Float32Array;
}

/** Fixed, noise-like inputs: a mid-loop time and contexts in the descriptors' usual (0, 1) range. */
export function unetInputs(unet: UNet, latentShape: readonly number[], batch: number): UnetInputs {
  const size = batch * latentShape.reduce((a, b) => a * b, 1);
  const x = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 12.9898) * 1.7);
  const t = new Float32Array(batch).fill(0.5);
  const c = Float32Array.from({ length: batch * unet.shape.contextSize }, (_, i) => 0.2 + 0.6 * ((i * 0.37) % 1));
  return { x, t, c };
}

export function writeUnetInputs(rt: Runtime, step: UnetStep, inputs: UnetInputs): void {
  rt.write(step.x, inputs.x);
  rt.write(step.t, inputs.t);
  rt.write(step.c, inputs.c);
}
