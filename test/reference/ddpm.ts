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

/** A linear beta schedule (1e-4 .. 0.02) like the model's, n_T rows, rounded to float32. */
export function linearSchedule(timesteps: number): StepCoefficients & Record<keyof StepCoefficients, Float32Array> {
  const table = () => new Float32Array(timesteps);
  const out = { oneoverSqrta: table(), mabOverSqrtmab: table(), sqrtBetaT: table() };
  let logAlphabar = 0;
  for (let i = 0; i < timesteps; i++) {
    const beta = ((0.02 - 1e-4) * i) / timesteps + 1e-4;
    logAlphabar += Math.log(1 - beta);
    out.oneoverSqrta[i] = 1 / Math.sqrt(1 - beta);
    out.mabOverSqrtmab[i] = beta / Math.sqrt(1 - Math.exp(logAlphabar));
    out.sqrtBetaT[i] = Math.sqrt(beta);
  }
  return out;
}
