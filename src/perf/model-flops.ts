/**
 * FLOP of the networks as MODEL.md counts them: 2 per multiply-add of every
 * convolution and linear layer, norms and activations left out; a transposed
 * convolution counts in x out x k^3 per input voxel. Counted from the
 * architecture, not from the kernels, so it measures useful work whatever
 * the kernels do (padding, split dispatches).
 */

const conv = (inCh: number, outCh: number, taps: number, voxels: number) => 2 * inCh * outCh * taps * voxels;

/** One UNet evaluation of one sample: latent (C, D, H, W), width n, K context values. */
export function unetFlops(latentShape: readonly number[], n: number, contextSize: number): number {
  const [C, D, H, W] = latentShape;
  const v0 = D * H * W;
  const [v1, v2] = [v0 / 8, v0 / 64];
  const rcb = (i: number, o: number, v: number) => conv(i, o, 27, v) + conv(o, o, 27, v);
  const embed = (i: number, o: number) => 2 * (i * o + o * o);
  return (
    rcb(C, n, v0) +
    rcb(n, n, v0) +
    rcb(n, 2 * n, v1) +
    embed(1, 2 * n) +
    embed(1, n) +
    embed(contextSize, 2 * n) +
    embed(contextSize, n) +
    conv(2 * n, 2 * n, 1, v2) +
    conv(4 * n, n, 8, v2) +
    2 * rcb(n, n, v1) +
    conv(2 * n, n, 8, v1) +
    2 * rcb(n, n, v0) +
    conv(2 * n, n, 27, v0) +
    conv(n, C, 27, v0)
  );
}

/** The VAE decoder on one latent (L, d, h, w), widths L -> maxChannels -> 256 -> 128 -> 64 -> 1. */
export function decoderFlops(latentShape: readonly number[], maxChannels: number): number {
  const [L, d, h, w] = latentShape;
  const widths = [L, maxChannels, 256, 128, 64];
  let voxels = d * h * w;
  let total = 0;
  for (let i = 0; i < 4; i++) {
    const [inCh, outCh] = [widths[i], widths[i + 1]];
    total += conv(inCh, outCh, i === 0 ? 1 : 27, voxels);
    if (i > 0) voxels *= 8;
    total += 2 * conv(outCh, outCh, 27, voxels);
  }
  return total + conv(64, 1, 27, voxels);
}
