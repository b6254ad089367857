/** A residual as src/ops/norm.ts fuses it, with float64 values. */
export interface ResidualRef {
  values: ArrayLike<number>;
  scale: number;
  order: 'act-then-add' | 'add-then-act';
}

/**
 * float64 GroupNorm over x (B, C, S) flattened, as torch.nn.GroupNorm (biased
 * variance), then the activation and the residual in the given order.
 */
export function groupNormRef(
  x: ArrayLike<number>,
  batch: number,
  channels: number,
  groups: number,
  eps: number,
  affine?: { weight: ArrayLike<number>; bias: ArrayLike<number> },
  act: (v: number) => number = (v) => v,
  residual?: ResidualRef,
): Float64Array {
  const spatial = x.length / (batch * channels);
  const groupLen = (channels / groups) * spatial;
  const out = new Float64Array(x.length);
  for (let grp = 0; grp < batch * groups; grp++) {
    const base = grp * groupLen;
    let sum = 0;
    for (let i = 0; i < groupLen; i++) sum += x[base + i];
    const mean = sum / groupLen;
    let sq = 0;
    for (let i = 0; i < groupLen; i++) sq += (x[base + i] - mean) ** 2;
    const rstd = 1 / Math.sqrt(sq / groupLen + eps);
    for (let i = 0; i < groupLen; i++) {
      const c = (grp % groups) * (channels / groups) + Math.floor(i / spatial);
      let v = (x[base + i] - mean) * rstd;
      if (affine) v = v * affine.weight[c] + affine.bias[c];
      out[base + i] = finish(v, act, residual && { ...residual, value: residual.values[base + i] });
    }
  }
  return out;
}

function finish(v: number, act: (v: number) => number, residual?: ResidualRef & { value: number }): number {
  if (!residual) return act(v);
  if (residual.order === 'act-then-add') return (residual.value + act(v)) * residual.scale;
  return act((residual.value + v) * residual.scale);
}
