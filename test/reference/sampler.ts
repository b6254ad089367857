/**
 * Float64 references of the fewer-step samplers, written as in their papers
 * (not as the engine's folded coefficients), over a run's visited indices.
 */

/** The visited trained indices: N evenly spaced from n_T - 2 down to 1, by Math.round. */
export function timestepsRef(timesteps: number, steps: number): number[] {
  const first = timesteps - 2;
  if (steps === 1) return [first];
  return Array.from({ length: steps }, (_, k) => first - Math.round((k * (first - 1)) / (steps - 1)));
}

/**
 * DDIM (Song et al., 2021, eq. 12 and 16) from index s to t: x0 = (x - sqrt(1 - ab_s) eps) / sqrt(ab_s),
 * x' = sqrt(ab_t) x0 + sqrt(1 - ab_t - sigma^2) eps + sigma z. abT = 1 is the last step, to clean data.
 */
export function ddimStepRef(x: ArrayLike<number>, eps: ArrayLike<number>, abS: number, abT: number, eta: number, z?: ArrayLike<number>): Float64Array {
  const sigma = eta * Math.sqrt((1 - abT) / (1 - abS)) * Math.sqrt(1 - abS / abT);
  const dir = Math.sqrt(Math.max(0, 1 - abT - sigma * sigma));
  return Float64Array.from(x, (v, e) => {
    const x0 = (v - Math.sqrt(1 - abS) * eps[e]) / Math.sqrt(abS);
    return Math.sqrt(abT) * x0 + dir * eps[e] + sigma * (z ? z[e] : 0);
  });
}

/**
 * DPM-Solver++(2M) (Lu et al., 2022, Algorithm 2, data prediction) over the
 * levels alphabar[0] > ... (one per step), eps(k, x) giving step k's
 * prediction; first order at the first step, and the last step (to sigma = 0)
 * lands on its data prediction. Returns x after each step.
 */
export function dpmSolver2mRef(x0: ArrayLike<number>, alphabars: readonly number[], eps: (k: number, x: Float64Array) => ArrayLike<number>): Float64Array[] {
  const alpha = (ab: number) => Math.sqrt(ab);
  const sigma = (ab: number) => Math.sqrt(1 - ab);
  const lambda = (ab: number) => Math.log(alpha(ab) / sigma(ab));
  let x = Float64Array.from(x0);
  let previous: Float64Array | undefined;
  const after: Float64Array[] = [];
  for (let k = 0; k < alphabars.length; k++) {
    const s = alphabars[k];
    const e = eps(k, x);
    const data = Float64Array.from(x, (v, i) => (v - sigma(s) * e[i]) / alpha(s));
    if (k === alphabars.length - 1) {
      after.push(data);
      break;
    }
    const t = alphabars[k + 1];
    const h = lambda(t) - lambda(s);
    let d = data;
    if (previous) {
      const r = (lambda(s) - lambda(alphabars[k - 1])) / h;
      const p = previous;
      d = Float64Array.from(data, (v, i) => (1 + 1 / (2 * r)) * v - (1 / (2 * r)) * p[i]);
    }
    x = Float64Array.from(x, (v, i) => (sigma(t) / sigma(s)) * v - alpha(t) * (Math.exp(-h) - 1) * d[i]);
    previous = data;
    after.push(x);
  }
  return after;
}
