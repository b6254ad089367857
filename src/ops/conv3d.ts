import conv3dWgsl from '../../shaders/conv3d.wgsl';
import type { HostTensor } from '../io/host-tensor.js';
import { Params, type Graph, type Runtime, type Tensor } from '../runtime/index.js';

/** Output voxels per invocation along W (VW in shaders/conv3d.wgsl and conv-transpose3d.wgsl). */
export const VOXELS_PER_THREAD = 4;
/** Output channels per workgroup (4 * OCV in the shaders): the weight layout's group size. */
export const CHANNELS_PER_GROUP = 8;

export interface Conv3dWeights {
  /** Re-laid out for shaders/conv3d.wgsl: [channel group][I][k][k][k][group channels]. */
  weight: Tensor;
  bias: Tensor | undefined;
  inChannels: number;
  outChannels: number;
  kernel: number;
}

/** Uploads a PyTorch Conv3d weight (O, I, k, k, k) and optional bias (O) in the kernel's layout. */
export function prepareConv3d(rt: Runtime, weight: HostTensor, bias?: HostTensor): Conv3dWeights {
  const [outChannels, inChannels, kernel] = weight.shape;
  if (weight.shape.length !== 5 || weight.shape[3] !== kernel || weight.shape[4] !== kernel || kernel > 3) {
    throw new Error(`conv3d: weight must be (O, I, k, k, k) with a cubic kernel k <= 3, got [${weight.shape}]`);
  }
  // PyTorch's (O, I, taps) is read as element (o, r) with r = i * taps + tap.
  const reduce = inChannels * kernel ** 3;
  const laidOut = relayoutWeight(outChannels, reduce, (o, r) => weight.data[o * reduce + r]);
  return {
    weight: rt.upload(laidOut, [laidOut.length]),
    bias: uploadBias(rt, 'conv3d', bias, outChannels),
    inChannels,
    outChannels,
    kernel,
  };
}

export function conv3dOutputShape(xShape: readonly number[], w: Conv3dWeights, stride: number, padding: number): number[] {
  const [B, I, D, H, W] = xShape;
  const spatial = [D, H, W].map((n) => Math.floor((n + 2 * padding - w.kernel) / stride) + 1);
  const problem =
    xShape.length !== 5 || I !== w.inChannels
      ? `expected (B, ${w.inChannels}, D, H, W)`
      : !((stride === 1 || stride === 2) && Number.isInteger(padding) && padding >= 0 && padding <= w.kernel)
        ? 'supported: stride 1 or 2, padding <= kernel'
        : spatial.some((n) => !(n >= 1))
          ? 'the output would be empty'
          : undefined;
  if (problem) {
    throw new Error(
      `conv3d: input [${xShape}] does not fit weight (${w.outChannels}, ${w.inChannels}, ` +
        `${w.kernel}, ${w.kernel}, ${w.kernel}) with stride ${stride}, padding ${padding}; ${problem}`,
    );
  }
  return [B, w.outChannels, ...spatial];
}

/** y = conv3d(x, w) + bias, PyTorch semantics with zero padding. */
export function conv3d(
  g: Graph,
  x: Tensor,
  w: Conv3dWeights,
  opts: { stride: number; padding: number },
  out?: Tensor,
): Tensor {
  const { stride, padding } = opts;
  const outShape = conv3dOutputShape(x.shape, w, stride, padding);
  const y = out ?? g.tensor(outShape);
  if (y.shape.join() !== outShape.join()) {
    throw new Error(`conv3d: output tensor is [${y.shape}], expected [${outShape}]`);
  }
  const [B, , D, H, W] = x.shape;
  const [, , Do, Ho, Wo] = outShape;
  const tilesW = Math.ceil(Wo / VOXELS_PER_THREAD);
  const tiles = B * Do * Ho * tilesW;
  const { workgroupSize, workgroups } = convGrid(tiles, Math.ceil(w.outChannels / CHANNELS_PER_GROUP));
  g.add({
    label: 'conv3d',
    shader: conv3dWgsl,
    constants: { WG: workgroupSize, K: w.kernel, S: stride, P: padding, HAS_BIAS: w.bias ? 1 : 0 },
    params: new Params().u32(w.inChannels, w.outChannels, D, H, W, Do, Ho, Wo, tilesW, tiles).bytes(),
    buffers: [x, w.weight, w.bias ?? w.weight, y],
    workgroups,
  });
  return y;
}

/**
 * Weights as [channel group][r][CHANNELS_PER_GROUP] with r the reduction index
 * (input channel, kd, kh, kw), zero-filled past the last output channel, so
 * one vec4 load gives 4 output channels. `at(o, r)` reads the PyTorch layout.
 */
export function relayoutWeight(outChannels: number, reduce: number, at: (o: number, r: number) => number): Float32Array {
  const groups = Math.ceil(outChannels / CHANNELS_PER_GROUP);
  const out = new Float32Array(groups * reduce * CHANNELS_PER_GROUP);
  for (let o = 0; o < outChannels; o++) {
    const group = Math.floor(o / CHANNELS_PER_GROUP);
    const lane = o % CHANNELS_PER_GROUP;
    for (let r = 0; r < reduce; r++) out[(group * reduce + r) * CHANNELS_PER_GROUP + lane] = at(o, r);
  }
  return out;
}

export function uploadBias(rt: Runtime, op: string, bias: HostTensor | undefined, outChannels: number): Tensor | undefined {
  if (!bias) return undefined;
  if (bias.shape.length !== 1 || bias.shape[0] !== outChannels) {
    throw new Error(`${op}: bias must be (${outChannels}), got [${bias.shape}]`);
  }
  return rt.upload(bias.data, bias.shape);
}

/**
 * Workgroup size and counts for `tiles` register tiles per channel group:
 * x (folded into z past 65535) walks the tiles, y the channel groups.
 * Small layers get small workgroups so that few lanes idle.
 */
export function convGrid(tiles: number, channelGroups: number): { workgroupSize: number; workgroups: [number, number, number] } {
  const workgroupSize = tiles >= 64 ? 64 : Math.max(8, 2 ** Math.ceil(Math.log2(tiles)));
  const groups = Math.ceil(tiles / workgroupSize);
  const z = Math.ceil(groups / 65535);
  return { workgroupSize, workgroups: [Math.ceil(groups / z), channelGroups, z] };
}
