import convTranspose3dWgsl from '../../shaders/conv-transpose3d.wgsl';
import type { HostTensor } from '../io/host-tensor.js';
import { Params, type Graph, type Runtime, type Tensor } from '../runtime/index.js';
import { CHANNELS_PER_GROUP, convGrid, relayoutWeight, uploadBias, VOXELS_PER_THREAD } from './conv3d.js';

export interface ConvTranspose3dWeights {
  /** Re-laid out for shaders/conv-transpose3d.wgsl: [channel group][I][k][k][k][group channels]. */
  weight: Tensor;
  bias: Tensor | undefined;
  inChannels: number;
  outChannels: number;
  kernel: number;
}

export interface ConvTranspose3dOptions {
  stride: number;
  padding: number;
  outputPadding: number;
}

/** Uploads a PyTorch ConvTranspose3d weight (I, O, k, k, k) and optional bias (O) in the kernel's layout. */
export function prepareConvTranspose3d(rt: Runtime, weight: HostTensor, bias?: HostTensor): ConvTranspose3dWeights {
  const [inChannels, outChannels, kernel] = weight.shape;
  if (weight.shape.length !== 5 || weight.shape[3] !== kernel || weight.shape[4] !== kernel || kernel > 3) {
    throw new Error(`convTranspose3d: weight must be (I, O, k, k, k) with a cubic kernel k <= 3, got [${weight.shape}]`);
  }
  const taps = kernel ** 3;
  const reduce = inChannels * taps;
  // Element (o, r) with r = i * taps + tap lives at (i, o, tap) in PyTorch's layout.
  const laidOut = relayoutWeight(outChannels, reduce, (o, r) => {
    const i = Math.floor(r / taps);
    return weight.data[(i * outChannels + o) * taps + (r % taps)];
  });
  return {
    weight: rt.upload(laidOut, [laidOut.length]),
    bias: uploadBias(rt, 'convTranspose3d', bias, outChannels),
    inChannels,
    outChannels,
    kernel,
  };
}

export function convTranspose3dOutputShape(
  xShape: readonly number[],
  w: ConvTranspose3dWeights,
  opts: ConvTranspose3dOptions,
): number[] {
  const { stride: s, padding: p, outputPadding: op } = opts;
  const [B, I, D, H, W] = xShape;
  const spatial = [D, H, W].map((n) => (n - 1) * s - 2 * p + w.kernel + op);
  const problem =
    xShape.length !== 5 || I !== w.inChannels
      ? `expected (B, ${w.inChannels}, D, H, W)`
      : !((s === 1 || s === 2) && Number.isInteger(p) && p >= 0 && p <= w.kernel && Number.isInteger(op) && op >= 0 && op < s)
        ? 'supported: stride 1 or 2, padding <= kernel, output padding < stride'
        : spatial.some((n) => !(n >= 1))
          ? 'the output would be empty'
          : undefined;
  if (problem) {
    throw new Error(
      `convTranspose3d: input [${xShape}] does not fit weight (${w.inChannels}, ${w.outChannels}, ` +
        `${w.kernel}, ${w.kernel}, ${w.kernel}) with stride ${s}, padding ${p}, output padding ${op}; ${problem}`,
    );
  }
  return [B, w.outChannels, ...spatial];
}

/** y = convTranspose3d(x, w) + bias, PyTorch semantics. */
export function convTranspose3d(
  g: Graph,
  x: Tensor,
  w: ConvTranspose3dWeights,
  opts: ConvTranspose3dOptions,
  out?: Tensor,
): Tensor {
  const outShape = convTranspose3dOutputShape(x.shape, w, opts);
  const y = out ?? g.tensor(outShape);
  if (y.shape.join() !== outShape.join()) {
    throw new Error(`convTranspose3d: output tensor is [${y.shape}], expected [${outShape}]`);
  }
  const s = opts.stride;
  const [B, , D, H, W] = x.shape;
  const [, , Do, Ho, Wo] = outShape;
  const [classD, classH, classW] = [Do, Ho, Wo].map((n) => Math.ceil(n / s));
  const tilesW = Math.ceil(classW / VOXELS_PER_THREAD);
  const tiles = B * classD * classH * tilesW;
  const channelGroups = Math.ceil(w.outChannels / CHANNELS_PER_GROUP);
  const { workgroupSize, workgroups } = convGrid(tiles, channelGroups * s ** 3);
  g.add({
    label: 'convTranspose3d',
    shader: convTranspose3dWgsl,
    constants: { WG: workgroupSize, K: w.kernel, S: s, P: opts.padding, HAS_BIAS: w.bias ? 1 : 0 },
    params: new Params().u32(w.inChannels, w.outChannels, D, H, W, Do, Ho, Wo, classD, classH, tilesW, tiles).bytes(),
    buffers: [x, w.weight, w.bias ?? w.weight, y],
    workgroups,
  });
  return y;
}
