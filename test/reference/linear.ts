/** float64 torch.nn.Linear: y (B, out) = act(x (B, in) W^T + b), W (out, in). */
export function linearRef(
  x: ArrayLike<number>,
  weight: ArrayLike<number>,
  bias: ArrayLike<number> | undefined,
  batch: number,
  inFeatures: number,
  outFeatures: number,
  act: (v: number) => number,
): Float64Array {
  const y = new Float64Array(batch * outFeatures);
  for (let b = 0; b < batch; b++) {
    for (let o = 0; o < outFeatures; o++) {
      let s = bias ? bias[o] : 0;
      for (let i = 0; i < inFeatures; i++) s += x[b * inFeatures + i] * weight[o * inFeatures + i];
      y[b * outFeatures + o] = act(s);
    }
  }
  return y;
}
