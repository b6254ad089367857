/** float64 MaxPool3d(2) over x (B, C, D, H, W), floor mode. */
export function maxPool3dRef(x: ArrayLike<number>, shape: readonly number[]): number[] {
  const [batch, channels, d, h, w] = shape;
  const [od, oh, ow] = [d, h, w].map((n) => Math.floor(n / 2));
  const out: number[] = [];
  for (let plane = 0; plane < batch * channels; plane++) {
    for (let z = 0; z < od; z++) {
      for (let y = 0; y < oh; y++) {
        for (let xx = 0; xx < ow; xx++) {
          let m = -Infinity;
          for (let k = 0; k < 8; k++) {
            const at = ((plane * d + 2 * z + (k >> 2)) * h + 2 * y + ((k >> 1) & 1)) * w + 2 * xx + (k & 1);
            m = Math.max(m, x[at]);
          }
          out.push(m);
        }
      }
    }
  }
  return out;
}
