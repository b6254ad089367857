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
 * Mean milliseconds per denoising step over `steps` consecutive steps of a
 * started plan, after one untimed warm-up step; runUntil submits and awaits
 * the steps as `generate` does.
 */
export async function timeSamplerSteps(plan: SamplerPlan, steps: number): Promise<number> {
  if (plan.remaining < steps + 1) throw new Error(`timeSamplerSteps: ${steps} steps + 1 warm-up, but ${plan.remaining} remain`);
  await plan.runUntil(plan.remaining);
  const t0 = performance.now();
  await plan.runUntil(plan.remaining - steps + 1);
  return (performance.now() - t0) / steps;
}
