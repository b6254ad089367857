import { measureDescriptors } from '../descriptors/index.js';
import type { Runtime } from '../runtime/index.js';
import { spinodalVolume } from './bench-morphology.js';
import type { TimeBudget } from './time-budget.js';
import { spreadOf, type Spread } from './timing.js';

export interface DescriptorTiming {
  /** The measured volume (D, H, W): the variant's image shape. */
  shape: [number, number, number];
  /** Wall time of measureDescriptors per sample (upload, kernels, readbacks, assembly), over the timed runs. */
  ms: Spread;
}

/** The descriptor pipelines take the lattice as a uniform: a small volume compiles every one. */
const WARM_UP_SHAPE: [number, number, number] = [16, 16, 16];

/**
 * Times the descriptors of one sample (generate --measure's work) on a
 * spinodal test volume of `shape`: one run always, more up to `runs` while
 * the budget allows, after an untimed run on a small volume that compiles the pipelines.
 */
export async function benchDescriptors(rt: Runtime, shape: [number, number, number], runs: number, budget: TimeBudget): Promise<DescriptorTiming> {
  const volume = spinodalVolume(shape);
  await measureDescriptors(rt, spinodalVolume(WARM_UP_SHAPE));
  const times: number[] = [];
  do {
    const t0 = performance.now();
    await measureDescriptors(rt, volume);
    times.push(performance.now() - t0);
  } while (times.length < runs && !budget.refusal(times[0] / 1000));
  return { shape, ms: spreadOf(times) };
}
