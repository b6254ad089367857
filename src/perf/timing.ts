import type { SamplerPlan } from '../models/sampler.js';
import type { Runtime } from '../runtime/index.js';

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Milliseconds of each of `repeats` runs of `submit`, after one untimed
 * warm-up run (first-use costs: pipeline and memory set-up). Every run is
 * awaited on the GPU (queue.onSubmittedWorkDone) before the clock stops.
 */
export async function timeRuns(rt: Runtime, submit: () => void, repeats: number): Promise<number[]> {
  submit();
  await rt.sync();
  const times: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    submit();
    await rt.sync();
    times.push(performance.now() - t0);
  }
  return times;
}

/**
 * Milliseconds of each of `steps` denoising steps of a started plan, each
 * submitted and awaited on its own as `generate`'s smallest chunk is, after
 * one untimed warm-up step.
 */
export async function timeSamplerSteps(plan: SamplerPlan, steps: number): Promise<number[]> {
  if (plan.remaining < steps + 1) throw new Error(`timeSamplerSteps: ${steps} steps + 1 warm-up, but ${plan.remaining} remain`);
  await plan.runTo(1);
  const times: number[] = [];
  for (let k = 0; k < steps; k++) {
    const t0 = performance.now();
    await plan.runTo(2 + k);
    times.push(performance.now() - t0);
  }
  return times;
}

/**
 * Above this (max - min) / median, repeated timings of the same work disagree
 * too much for their median to be trusted: the machine was busy or changed
 * speed (shared VMs drift up to 2x).
 */
export const WIDE_SPREAD = 0.2;

/** Median, min, max and count of repeated timings, and whether they agree well enough to trust. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  count: number;
  /** (max - min) / median. */
  spread: number;
  tooWide: boolean;
}

export function spreadOf(times: readonly number[]): Spread {
  const m = median(times);
  const min = Math.min(...times);
  const max = Math.max(...times);
  const spread = (max - min) / m;
  return { median: m, min, max, count: times.length, spread, tooWide: spread > WIDE_SPREAD };
}
