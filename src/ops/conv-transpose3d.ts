import type { HostTensor } from '../io/host-tensor.js';
import type { Allocator, DType, Graph, Tensor } from '../runtime/index.js';
import { Act } from './activation.js';
import { checkWeightShape, runConv, uploadBias, uploadWeight, type ConvAxis, type ConvClass, type ConvWeights } from './conv-core.js';
import { gemmLayer, prepareGemmLayer, type GemmLayerWeights } from './gemm-layer.js';

/**
 * A layer whose kernel equals its stride with no padding (the UNet's k1 and
 * k2 s2 up-sampling) is one GEMM (src/ops/gemm-layer.ts); any other runs on
 * the conv core, laid out as for conv3d (see ConvWeights) with PyTorch's I and O swapped.
 */
export type ConvTranspose3dWeights = ({ path: 'gemm' } & GemmLayerWeights) | ({ path: 'direct' } & ConvWeights);

export interface ConvTranspose3dOptions {
  stride: number;
  padding: number;
  outputPadding: number;
}

/** Layers that are one GEMM: kernel = stride, no padding, no output padding. */
function isGemmLayer(kernel: number, opts: ConvTranspose3dOptions): boolean {
  return kernel === opts.stride && opts.padding === 0 && opts.outputPadding === 0;
}

/**
 * Uploads a PyTorch ConvTranspose3d weight (I, O, k, k, k) and optional bias (O)
 * in the layout of the kernel that runs the layer `opts`; `dtype` as for prepareConv3d.
 */
export function prepareConvTranspose3d(
  owner: Allocator,
  weight: HostTensor,
  opts: ConvTranspose3dOptions,
  bias?: HostTensor,
  dtype: DType = 'f32',
): ConvTranspose3dWeights {
  const [inChannels, outChannels, kernel] = weight.shape;
  checkWeightShape('convTranspose3d', weight, '(I, O, k, k, k)');
  const taps = kernel ** 3;
  const uploadedBias = uploadBias(owner, 'convTranspose3d', bias, outChannels);
  if (isGemmLayer(kernel, opts)) {
    const at = (i: number, o: number, t: number) => weight.data[(i * outChannels + o) * taps + t];
    return { path: 'gemm', ...prepareGemmLayer(owner, 'convTranspose3d', { inChannels, outChannels, kernel }, at, uploadedBias, dtype) };
  }
  return {
    path: 'direct',
    // Element (o, r) with r = i * taps + tap sits at (i, o, tap) in PyTorch's layout.
    weight: uploadWeight(owner, outChannels, inChannels * taps, (o, r) => {
      const i = Math.floor(r / taps);
      return weight.data[(i * outChannels + o) * taps + (r % taps)];
    }, dtype),
    bias: uploadedBias,
    inChannels,
    outChannels,
    kernel,
  };
}

/**
 * y = convTranspose3d(x, w) + bias with PyTorch semantics. Off the GEMM, as a gather: the
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
  const [Do, Ho, Wo] = spatial;
  const expected = isGemmLayer(k, opts) ? 'gemm' : 'direct';
  if (w.path !== expected) {
    throw new Error(`convTranspose3d: weights prepared for the ${w.path} kernel, but stride ${s}, padding ${p}, output padding ${op} runs on the ${expected} one`);
  }
  if (w.path === 'gemm') {
    const outShape = [B, w.outChannels, Do, Ho, Wo];
    const y = out ?? g.tensor(outShape);
    if (y.shape.join() !== outShape.join()) throw new Error(`convTranspose3d: output tensor is [${y.shape}], expected [${outShape}]`);
    gemmLayer(g, `convTranspose3d ${I}->${w.outChannels} k${k} s${s} -> ${Do}x${Ho}x${Wo}`, x, w, Act.none, y);
    return y;
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
