import type { HostTensor } from '../io/host-tensor.js';
import type { Allocator, DType, Graph, Tensor } from '../runtime/index.js';
import { checkWeightShape, runConv, uploadBias, uploadWeight, type ConvAxis, type ConvWeights } from './conv-core.js';
import { convPathFor, noteConvLayer, type ConvPath } from './conv-choice.js';
import { prepareWinograd, winogradConv3d, type WinogradWeights } from './conv-winograd.js';

/**
 * A Conv3d layer's weights in the layout of the one kernel that runs it. Only
 * that layout is uploaded: Winograd's transformed weights are 64/27 the size
 * of the direct ones, and keeping both would triple the UNet's weight memory.
 */
export type Conv3dWeights = { inChannels: number; outChannels: number; kernel: number; bias: Tensor | undefined; dtype: DType } & (
  | ({ path: 'direct' } & ConvWeights)
  | { path: 'winograd'; winograd: WinogradWeights }
);

/**
 * The kernel for a Conv3d layer whose output is `outSpatial` (D, H, W):
 * Winograd only exists for 3x3x3 stride-1 pad-1 layers, and there
 * conv-choice.ts decides where it pays.
 */
export function conv3dPath(
  kernel: number,
  opts: { stride: number; padding: number },
  outSpatial: readonly number[],
  inChannels: number,
  outChannels: number,
): ConvPath {
  return hasWinograd(kernel, opts) ? convPathFor(outSpatial, inChannels, outChannels) : 'direct';
}

/** Layers that Winograd F(2x2x2, 3x3x3) can run: 3x3x3, stride 1, padding 1. */
function hasWinograd(kernel: number, opts: { stride: number; padding: number }): boolean {
  return kernel === 3 && opts.stride === 1 && opts.padding === 1;
}

/**
 * Uploads a PyTorch Conv3d weight (O, I, k, k, k) and optional bias (O) in the
 * layout of `path`'s kernel; `dtype` f16 stores the weights and the padded input as f16.
 */
export function prepareConv3d(
  owner: Allocator,
  weight: HostTensor,
  bias?: HostTensor,
  dtype: DType = 'f32',
  path: ConvPath = 'direct',
): Conv3dWeights {
  const [outChannels, inChannels, kernel] = weight.shape;
  checkWeightShape('conv3d', weight, '(O, I, k, k, k)');
  const common = { inChannels, outChannels, kernel, bias: uploadBias(owner, 'conv3d', bias, outChannels), dtype };
  if (path === 'winograd') {
    if (kernel !== 3) throw new Error(`conv3d: Winograd weights need a 3x3x3 kernel, got [${weight.shape}]`);
    return { ...common, path, winograd: prepareWinograd(owner, weight, dtype) };
  }
  const perOut = inChannels * kernel ** 3;
  return { ...common, path, weight: uploadWeight(owner, outChannels, perOut, (o, r) => weight.data[o * perOut + r], dtype) };
}

/** y = conv3d(x, w) + bias with PyTorch semantics (zero padding), on the kernel `w` was prepared for. */
export function conv3d(
  g: Graph,
  x: Tensor,
  w: Conv3dWeights,
  opts: { stride: number; padding: number },
  out?: Tensor,
): Tensor {
  const { stride: s, padding: p } = opts;
  const k = w.kernel;
  const [B, I, D, H, W] = x.shape;
  const spatial = [D, H, W].map((n) => Math.floor((n + 2 * p - k) / s) + 1);
  const problem =
    x.shape.length !== 5 || I !== w.inChannels
      ? `expected (B, ${w.inChannels}, D, H, W)`
      : !((s === 1 || s === 2) && Number.isInteger(p) && p >= 0 && p <= k)
        ? 'supported: stride 1 or 2, padding <= kernel'
        : spatial.some((n) => !(n >= 1))
          ? 'the output would be empty'
          : w.path === 'winograd' && !hasWinograd(k, opts)
            ? 'Winograd weights run only stride 1, padding 1'
            : undefined;
  if (problem) {
    throw new Error(
      `conv3d: input [${x.shape}] does not fit weight (${w.outChannels}, ${w.inChannels}, ${k}, ${k}, ${k}) ` +
        `with stride ${s}, padding ${p}; ${problem}`,
    );
  }
  const outShape = [B, w.outChannels, ...spatial];
  const y = out ?? g.tensor(outShape);
  if (y.shape.join() !== outShape.join()) throw new Error(`conv3d: output tensor is [${y.shape}], expected [${outShape}]`);
  if (hasWinograd(k, opts)) {
    const layer = `conv3d ${I}->${w.outChannels} k3 s1 -> ${D}x${H}x${W} (B=${B}) ${w.dtype}`;
    noteConvLayer(g.rt, layer, w.path, (sg, owner, path) => {
      const zeros = { shape: [w.outChannels, I, 3, 3, 3], data: new Float32Array(w.outChannels * I * 27) };
      conv3d(sg, sg.tensor(x.shape), prepareConv3d(owner, zeros, undefined, w.dtype, path), opts, sg.tensor(outShape));
    });
  }
  if (w.path === 'winograd') winogradConv3d(g, x, w.winograd, w.bias, w.inChannels, w.outChannels, y);
  else stridedConv3d(g, x, w, s, p, y);
  return y;
}

function stridedConv3d(g: Graph, x: Tensor, w: ConvWeights, s: number, p: number, y: Tensor): void {
  const axis: ConvAxis = { start: -p, count: w.kernel, origin: 0, step: 1, lead: 0 };
  runConv(g, x, w, {
    op: 'conv3d',
    outShape: [...y.shape],
    inStride: s,
    outStep: 1,
    grid: [y.shape[2], y.shape[3], y.shape[4]],
    classes: [{ residue: [0, 0, 0], axes: [axis, axis, axis] }],
  }, y);
}
