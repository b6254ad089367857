import type { HostTensor } from '../io/host-tensor.js';
import type { Allocator, DType, Graph, Tensor } from '../runtime/index.js';
import { Act } from './activation.js';
import { checkWeightShape, runConv, uploadBias, uploadWeight, type ConvAxis, type ConvWeights } from './conv-core.js';
import { convPathFor, noteConvLayer, type ConvPath } from './conv-choice.js';
import { prepareWinograd, winogradConv3d, type WinogradWeights } from './conv-winograd.js';
import { gemmLayer, prepareGemmLayer, type GemmLayerWeights } from './gemm-layer.js';

/** The kernels a Conv3d layer can run on: the direct one, Winograd, or (pointwise layers) one GEMM. */
export type Conv3dPath = ConvPath | 'gemm';

/**
 * A Conv3d layer's weights in the layout of the one kernel that runs it. Only
 * that layout is uploaded: Winograd's transformed weights are 64/27 the size
 * of the direct ones, and keeping both would triple the UNet's weight memory.
 */
export type Conv3dWeights = { inChannels: number; outChannels: number; kernel: number; bias: Tensor | undefined; dtype: DType } & (
  | ({ path: 'direct' } & ConvWeights)
  | { path: 'winograd'; winograd: WinogradWeights }
  | { path: 'gemm'; gemm: GemmLayerWeights }
);

/**
 * The kernel for a Conv3d layer whose output is `outSpatial` (D, H, W):
 * Winograd only exists for 3x3x3 stride-1 pad-1 layers, and there
 * conv-choice.ts decides where it pays; a pointwise layer is one GEMM.
 */
export function conv3dPath(
  kernel: number,
  opts: { stride: number; padding: number },
  outSpatial: readonly number[],
  inChannels: number,
  outChannels: number,
  dtype: DType,
): Conv3dPath {
  return hasWinograd(kernel, opts) ? convPathFor(outSpatial, inChannels, outChannels, dtype) : directPath(kernel, opts);
}

/** The kernel for a layer kept off Winograd (the VAE's): one GEMM where it is pointwise, else the direct kernel. */
export function directPath(kernel: number, opts: { stride: number; padding: number }): Conv3dPath {
  return isPointwise(kernel, opts) ? 'gemm' : 'direct';
}

/** Pointwise layers, which the GEMM core runs: 1x1x1, stride 1, no padding. */
function isPointwise(kernel: number, opts: { stride: number; padding: number }): boolean {
  return kernel === 1 && opts.stride === 1 && opts.padding === 0;
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
  path: Conv3dPath = 'direct',
): Conv3dWeights {
  const [outChannels, inChannels, kernel] = weight.shape;
  checkWeightShape('conv3d', weight, '(O, I, k, k, k)');
  const common = { inChannels, outChannels, kernel, bias: uploadBias(owner, 'conv3d', bias, outChannels), dtype };
  if (path === 'winograd') {
    if (kernel !== 3) throw new Error(`conv3d: Winograd weights need a 3x3x3 kernel, got [${weight.shape}]`);
    return { ...common, path, winograd: prepareWinograd(owner, weight, dtype) };
  }
  if (path === 'gemm') {
    if (kernel !== 1) throw new Error(`conv3d: GEMM weights need a 1x1x1 kernel, got [${weight.shape}]`);
    const at = (i: number, o: number) => weight.data[o * inChannels + i];
    return { ...common, path, gemm: prepareGemmLayer(owner, 'conv3d', { inChannels, outChannels, kernel }, at, common.bias, dtype) };
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
            : w.path === 'gemm' && !isPointwise(k, opts)
              ? 'GEMM weights run only stride 1, padding 0'
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
  // (GEMM weights never get here: they were refused above.)
  if (hasWinograd(k, opts) && w.path !== 'gemm') {
    const layer = `conv3d ${I}->${w.outChannels} k3 s1 -> ${D}x${H}x${W} (B=${B}) ${w.dtype}`;
    noteConvLayer(g.rt, layer, w.path, (sg, owner, path) => {
      const zeros = { shape: [w.outChannels, I, 3, 3, 3], data: new Float32Array(w.outChannels * I * 27) };
      conv3d(sg, sg.tensor(x.shape), prepareConv3d(owner, zeros, undefined, w.dtype, path), opts, sg.tensor(outShape));
    });
  }
  if (w.path === 'winograd') winogradConv3d(g, x, w.winograd, w.bias, w.inChannels, w.outChannels, y);
  else if (w.path === 'gemm') gemmLayer(g, `conv3d ${I}->${w.outChannels} k1 s1 -> ${D}x${H}x${W}`, x, w.gemm, Act.none, y);
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
