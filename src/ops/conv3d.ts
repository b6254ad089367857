import type { HostTensor } from '../io/host-tensor.js';
import type { Allocator, DType, Graph, Tensor } from '../runtime/index.js';
import { checkWeightShape, runConv, uploadBias, uploadWeight, type ConvAxis, type ConvWeights } from './conv-core.js';
import { convPathFor, noteConvLayer, type ConvPath } from './conv-choice.js';
import { prepareWinograd, winogradConv3d, type WinogradWeights } from './conv-winograd.js';

/** The direct kernel's weights and, for 3x3x3 kernels, the Winograd transform of them. */
export interface Conv3dWeights extends ConvWeights {
  winograd: WinogradWeights | undefined;
}

/**
 * Uploads a PyTorch Conv3d weight (O, I, k, k, k) and optional bias (O) in the
 * kernel's layout; `dtype` f16 stores the weights and the padded input as f16.
 */
export function prepareConv3d(owner: Allocator, weight: HostTensor, bias?: HostTensor, dtype: DType = 'f32'): Conv3dWeights {
  const [outChannels, inChannels, kernel] = weight.shape;
  checkWeightShape('conv3d', weight, '(O, I, k, k, k)');
  const perOut = inChannels * kernel ** 3;
  return {
    weight: uploadWeight(owner, outChannels, perOut, (o, r) => weight.data[o * perOut + r], dtype),
    bias: uploadBias(owner, 'conv3d', bias, outChannels),
    inChannels,
    outChannels,
    kernel,
    winograd: kernel === 3 ? prepareWinograd(owner, weight, dtype) : undefined,
  };
}

/** y = conv3d(x, w) + bias with PyTorch semantics (zero padding). */
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
  if (w.winograd && s === 1 && p === 1) {
    const layer = `conv3d ${I}->${w.outChannels} k3 s1 -> ${D}x${H}x${W} (B=${B}) ${w.weight.dtype}`;
    const path = convPathFor(spatial, I, w.outChannels);
    noteConvLayer(g.rt, layer, path, (sg, p) => stridedConv3d(sg, sg.tensor(x.shape), w, p, 1, 1, sg.tensor(outShape)));
    stridedConv3d(g, x, w, path, s, p, y);
  } else {
    stridedConv3d(g, x, w, 'direct', s, p, y);
  }
  return y;
}

function stridedConv3d(g: Graph, x: Tensor, w: Conv3dWeights, path: ConvPath, s: number, p: number, y: Tensor): void {
  if (path === 'winograd' && w.winograd) {
    winogradConv3d(g, x, w.winograd, w.bias, w.inChannels, w.outChannels, y);
    return;
  }
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
