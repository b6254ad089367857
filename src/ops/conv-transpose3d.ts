import type { HostTensor } from '../io/host-tensor.js';
import type { Allocator, DType, Graph, Tensor } from '../runtime/index.js';
import { checkWeightShape, runConv, uploadBias, uploadWeight, type ConvAxis, type ConvClass, type ConvWeights } from './conv-core.js';

/** Laid out as for conv3d (see ConvWeights): prepareConvTranspose3d swaps PyTorch's I and O. */
export type ConvTranspose3dWeights = ConvWeights;

export interface ConvTranspose3dOptions {
  stride: number;
  padding: number;
  outputPadding: number;
}

/**
 * Uploads a PyTorch ConvTranspose3d weight (I, O, k, k, k) and optional bias (O)
 * in the kernel's layout; `dtype` as for prepareConv3d.
 */
export function prepareConvTranspose3d(owner: Allocator, weight: HostTensor, bias?: HostTensor, dtype: DType = 'f32'): ConvTranspose3dWeights {
  const [inChannels, outChannels, kernel] = weight.shape;
  checkWeightShape('convTranspose3d', weight, '(I, O, k, k, k)');
  const taps = kernel ** 3;
  return {
    // Element (o, r) with r = i * taps + tap sits at (i, o, tap) in PyTorch's layout.
    weight: uploadWeight(owner, outChannels, inChannels * taps, (o, r) => {
      const i = Math.floor(r / taps);
      return weight.data[(i * outChannels + o) * taps + (r % taps)];
    }, dtype),
    bias: uploadBias(owner, 'convTranspose3d', bias, outChannels),
    inChannels,
    outChannels,
    kernel,
  };
}

/**
 * y = convTranspose3d(x, w) + bias with PyTorch semantics, as a gather: the
 * output splits into stride^3 parity classes; in each, every voxel receives
 * the same kernel taps (only those, e.g. exactly one per axis when
 * kernel = stride = 2), so a class is a correlation with a thinned, flipped
 * kernel, run by the Conv3d core.
 */
export function convTranspose3d(
  g: Graph,
  x: Tensor,
  w: ConvTranspose3dWeights,
  opts: ConvTranspose3dOptions,
  out?: Tensor,
): Tensor {
  const { stride: s, padding: p, outputPadding: op } = opts;
  const k = w.kernel;
  const [B, I, D, H, W] = x.shape;
  const spatial = [D, H, W].map((n) => (n - 1) * s - 2 * p + k + op);
  const problem =
    x.shape.length !== 5 || I !== w.inChannels
      ? `expected (B, ${w.inChannels}, D, H, W)`
      : !((s === 1 || s === 2) && Number.isInteger(p) && p >= 0 && p <= k && Number.isInteger(op) && op >= 0 && op < s)
        ? 'supported: stride 1 or 2, padding <= kernel, output padding < stride'
        : spatial.some((n) => !(n >= 1))
          ? 'the output would be empty'
          : undefined;
  if (problem) {
    throw new Error(
      `convTranspose3d: input [${x.shape}] does not fit weight (${w.inChannels}, ${w.outChannels}, ${k}, ${k}, ${k}) ` +
        `with stride ${s}, padding ${p}, output padding ${op}; ${problem}`,
    );
  }
  const residues = Array.from({ length: s }, (_, r) => r);
  const axes = residues.map((r) => transposedAxis(r, k, s, p));
  // Leading zero taps give every W window the same start, hence the same vec4 alignment.
  const startW = Math.min(...axes.filter((a) => a.count > 0).map((a) => a.start));
  const axesW = axes.map((a) => (a.count > 0 ? { ...a, start: startW, lead: a.start - startW, count: a.count + a.start - startW } : a));
  const classes: ConvClass[] = [];
  for (const rz of residues) {
    for (const ry of residues) {
      for (const rx of residues) classes.push({ residue: [rz, ry, rx], axes: [axes[rz], axes[ry], axesW[rx]] });
    }
  }
  const [Do, Ho, Wo] = spatial;
  return runConv(g, x, w, {
    op: 'convTranspose3d',
    outShape: [B, w.outChannels, Do, Ho, Wo],
    inStride: 1,
    outStep: s,
    grid: [Math.ceil(Do / s), Math.ceil(Ho / s), Math.ceil(Wo / s)],
    classes,
  }, out);
}

/**
 * Output z = residue + s * q takes kernel tap kd from input (z + p - kd) / s
 * when that is exact: kd = first, first + s, ..., and input q + offset - t for
 * the t-th of them. Window tap j = count - 1 - t makes it a correlation.
 */
function transposedAxis(residue: number, k: number, s: number, p: number): ConvAxis {
  const first = (residue + p) % s;
  const count = first < k ? Math.ceil((k - first) / s) : 0;
  const offset = Math.floor((residue + p) / s);
  return { start: offset - count + 1, count, origin: first + (count - 1) * s, step: -s, lead: 0 };
}
