/** float64 references for shaders/activation.wgsl. */

// erf by its Maclaurin series near 0 and the continued fraction of erfc
// beyond: both converge to double precision in the ranges used.
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200; n++) {
      term *= (-ax * ax) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - erfcLarge(ax));
}

function erfcLarge(x: number): number {
  // Lentz evaluation of erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
  let f = x;
  for (let n = 60; n >= 1; n--) f = x + n / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export function gelu(x: number): number {
  if (x < -2.5 * Math.SQRT2) return 0.5 * x * erfcLarge(-x / Math.SQRT2);
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export const activations: Record<string, (x: number) => number> = {
  none: (x) => x,
  relu: (x) => Math.max(x, 0),
  leakyRelu: (x) => (x >= 0 ? x : 0.2 * x),
  gelu,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};
