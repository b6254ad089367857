import { ddpmSchedule } from '../../src/models/random-model.js';
import type { TrainedSchedule } from '../../src/models/sampler-schedule.js';

/** Float64 coefficients for DDPM step i, read from float32 tables as the engine does. */
export interface StepCoefficients {
  oneoverSqrta: ArrayLike<number>;
  mabOverSqrtmab: ArrayLike<number>;
  sqrtBetaT: ArrayLike<number>;
}

/**
 * The reference sample_loop's update for steps i = first, first - 1, ..., last
 * in float64 with a fixed eps: x = oneover_sqrta[i] * (x - eps * mab_over_sqrtmab[i])
 * + sqrt_beta_t[i] * z, z = noise(i) for i > 1, else 0.
 */
export function ddpmStepsRef(
  x0: ArrayLike<number>,
  eps: ArrayLike<number>,
  s: StepCoefficients,
  first: number,
  last: number,
  noise: (i: number) => ArrayLike<number>,
): Float64Array {
  const x = Float64Array.from(x0);
  for (let i = first; i >= last; i--) {
    const z = i > 1 ? noise(i) : undefined;
    for (let e = 0; e < x.length; e++) {
      x[e] = s.oneoverSqrta[i] * (x[e] - eps[e] * s.mabOverSqrtmab[i]) + s.sqrtBetaT[i] * (z ? z[e] : 0);
    }
  }
  return x;
}

/** The model's trained schedule for n_T steps, as a converted ddpm.pt holds it (float32). */
export function trainedSchedule(timesteps: number): TrainedSchedule {
  const s = ddpmSchedule(timesteps);
  return {
    file: 'ddpm.pt',
    timesteps,
    alphabar: s.alphabar_t,
    oneoverSqrta: s.oneover_sqrta,
    mabOverSqrtmab: s.mab_over_sqrtmab,
    sqrtBetaT: s.sqrt_beta_t,
  };
}
