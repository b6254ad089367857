import type { UNet } from '../models/unet.js';
import { timeConvPaths, type ConvTiming } from '../ops/conv-choice.js';
import { RecordedGraph, type Runtime } from '../runtime/index.js';

/** One UNet evaluation on a batch: inputs x (B, ...latent), t (B), c (B, K); output eps. */
export type UnetStep = RecordedGraph<'x' | 't' | 'c', 'eps'>;

export function buildUnetStep(rt: Runtime, unet: UNet, latentShape: readonly number[], batch: number): UnetStep {
  return RecordedGraph.record(rt, { x: [batch, ...latentShape], t: [batch], c: [batch, unet.shape.contextSize] }, (g, { x, t, c }) => ({
    eps: unet.build(g, x, t, c),
  }));
}

/** Times Winograd against the direct kernel on each of the UNet's 3x3x3 layers at this batch (see src/ops/conv-choice.ts). */
export function timeUnetConvPaths(rt: Runtime, unet: UNet, latentShape: readonly number[], batch: number): Promise<ConvTiming[]> {
  return timeConvPaths(rt, (g) => unet.build(g, g.tensor([batch, ...latentShape]), g.tensor([batch]), g.tensor([batch, unet.shape.contextSize])));
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
