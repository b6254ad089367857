// The core shared by conv3d and convTranspose3d: each wrapper turns its layer
// into a ConvPlan of output classes, every class a correlation run by
// shaders/conv3d.wgsl (layers that are one GEMM bypass it: src/ops/gemm-layer.ts).
import conv3dWgsl from '../../shaders/conv3d.wgsl';
import conv3dBindingsWgsl from '../../shaders/conv3d-bindings.wgsl';
import convPadWgsl from '../../shaders/conv-pad.wgsl';
import convTapsPlainWgsl from '../../shaders/conv-taps-plain.wgsl';
import convTapsSubgroupWgsl from '../../shaders/conv-taps-subgroup.wgsl';
import convQuadF16Wgsl from '../../shaders/conv-quad-f16.wgsl';
import convQuadF32Wgsl from '../../shaders/conv-quad-f32.wgsl';
import convWeightsWgsl from '../../shaders/conv-weights.wgsl';
import type { HostTensor } from '../io/host-tensor.js';
import { declareKernel } from '../kernel/kernel.js';
import type { UniformValue } from '../kernel/uniform-layout.js';
import { wgslConstant, type WgslFile } from '../kernel/wgsl-source.js';
import { Tensor, UNUSED_BINDING, type Allocator, type DType, type Graph, type KernelWork, type Runtime } from '../runtime/index.js';
import { ELEMENTWISE_PART, elementwiseGrid } from './elementwise.js';

/** Output channels per workgroup of the direct conv kernel: the weight layout's group size. */
const CHANNELS_PER_GROUP = wgslConstant(convWeightsWgsl, 'CHANNELS_PER_GROUP');
const MAX_CLASSES = 8;

/**
 * How the conv kernels store weights and padded inputs: a Quad holds 4
 * values, as a vec4f, or in the f16 mode as 4 f16 packed in a vec2u.
 */
export const QUADS: Record<DType, WgslFile> = { f32: convQuadF32Wgsl, f16: convQuadF16Wgsl };
export type LaneVariant = 'plain' | 'subgroup';
const TAPS: Record<LaneVariant, WgslFile> = { plain: convTapsPlainWgsl, subgroup: convTapsSubgroupWgsl };

const CONV_CLASS = {
  struct: 'ConvClass',
  fields: { start: 'vec4u', count: 'vec4u', origin: 'vec3i', lead: 'i32', step: 'vec4i', residue: 'vec4u' },
} as const;

function declareCore(dtype: DType, lanes: LaneVariant) {
  return declareKernel({
    name: `conv core ${dtype} ${lanes}`,
    parts: [QUADS[dtype], convWeightsWgsl, conv3dBindingsWgsl, TAPS[lanes], conv3dWgsl],
    uniforms: {
      struct: 'Params',
      fields: {
        inChannels: 'u32', outChannels: 'u32', kernel: 'u32', segments: 'u32',
        padD: 'u32', padH: 'u32', padW: 'u32',
        outD: 'u32', outH: 'u32', outW: 'u32',
        gridD: 'u32', gridRows: 'u32', gridSegW: 'u32',
        outStep: 'u32', hasBias: 'u32', firstSample: 'u32',
        classes: { array: CONV_CLASS, length: MAX_CLASSES },
      },
    },
    storage: { x: 'read', w: 'read', bias: 'read', y: 'read_write' },
    overrides: { WG: 'u32', SEG: 'u32', TWO_ROWS: 'bool', IN_STRIDE: 'u32', ADJACENT: 'bool' },
  });
}

function declarePad(dtype: DType) {
  return declareKernel({
    name: `conv pad ${dtype}`,
    parts: [ELEMENTWISE_PART, QUADS[dtype], convPadWgsl],
    uniforms: {
      struct: 'Params',
      fields: {
        total: 'u32', first: 'u32',
        inD: 'u32', inH: 'u32', inW: 'u32',
        padD: 'u32', padH: 'u32', padW: 'u32',
        loD: 'u32', loH: 'u32', loW: 'u32',
      },
    },
    storage: { x: 'read', xp: 'read_write' },
  });
}

const kernels = {
  core: {
    f32: { plain: declareCore('f32', 'plain'), subgroup: declareCore('f32', 'subgroup') },
    f16: { plain: declareCore('f16', 'plain'), subgroup: declareCore('f16', 'subgroup') },
  },
  pad: { f32: declarePad('f32'), f16: declarePad('f16') },
};

/** Uploaded weights of either conv, in the kernel's layout. */
export interface ConvWeights {
  /**
   * [channel group][I][k][k][k][8 channels], see shaders/conv3d.wgsl. Its
   * dtype is the conv's storage type: f16 weights also store the padded input as f16.
   */
  weight: Tensor;
  bias: Tensor | undefined;
  inChannels: number;
  outChannels: number;
  kernel: number;
}

/** The taps of one class along one axis, in original (unpadded) input coordinates. */
export interface ConvAxis {
  /** Input coordinate of window tap 0 for class voxel 0. */
  start: number;
  /** Window taps, `lead` zero ones included; 0 for a class without taps. */
  count: number;
  /** Kernel tap of window tap `lead`, and the kernel step per window tap. */
  origin: number;
  step: number;
  /** Leading window taps with zero weight (only along W, to share the vec4 alignment). */
  lead: number;
}

/** A set of output voxels computed as one correlation, see shaders/conv3d.wgsl. */
export interface ConvClass {
  residue: [number, number, number];
  axes: [ConvAxis, ConvAxis, ConvAxis];
}

export interface ConvPlan {
  op: string;
  outShape: number[];
  /** Input voxels between neighbouring class voxels (the Conv3d stride). */
  inStride: number;
  /** Output voxels between neighbouring class voxels (the ConvTranspose3d stride). */
  outStep: number;
  /** Class voxels along D, H, W, the same for every class. */
  grid: [number, number, number];
  classes: ConvClass[];
}

/** Runs `plan`: padding, then the core kernel. */
export function runConv(g: Graph, x: Tensor, w: ConvWeights, plan: ConvPlan, out?: Tensor): Tensor {
  const y = out ?? g.tensor(plan.outShape);
  if (y.shape.join() !== plan.outShape.join()) {
    throw new Error(`${plan.op}: output tensor is [${y.shape}], expected [${plan.outShape}]`);
  }
  if (plan.classes.length > MAX_CLASSES) throw new Error(`${plan.op}: ${plan.classes.length} output classes`);
  addPaddedCore(g, x, w, plan, y);
  return y;
}

function addPaddedCore(g: Graph, x: Tensor, w: ConvWeights, plan: ConvPlan, y: Tensor): void {
  const [B, I, D, H, W] = x.shape;
  const [, O, Do, Ho, Wo] = plan.outShape;
  const [gridD, gridVoxelsH, gridW] = plan.grid;
  // Rows of at most 2 voxels: segments of 2 rows x 2 voxels (TWO_ROWS in shaders/conv3d.wgsl).
  const twoRows = plan.inStride === 1 && gridW <= 2;
  const gridSegW = twoRows ? 1 : Math.ceil(gridW / 4);
  const gridRows = twoRows ? Math.ceil(gridVoxelsH / 2) : gridVoxelsH;
  const withTaps = plan.classes.filter((c) => c.axes.every((a) => a.count > 0));
  const lowest = (axis: number) => Math.min(0, ...withTaps.map((c) => c.axes[axis].start));
  // Every class starts its W windows at the same input column (leads make
  // sure of it), so one left pad puts all of them on a vec4 boundary.
  const startW = withTaps[0]?.axes[2].start ?? 0;
  const lo = [-lowest(0), -lowest(1), -lowest(2) + (((-(startW - lowest(2)) % 4) + 4) % 4)];
  const reach = (axis: number, n: number) =>
    Math.max(0, ...withTaps.map((c) => plan.inStride * (n - 1) + c.axes[axis].start + c.axes[axis].count));
  const windowFloats = twoRows ? 4 : plan.inStride === 1 ? 8 : 12;
  const padD = lo[0] + Math.max(D, reach(0, gridD));
  const padH = lo[1] + Math.max(H, reach(1, twoRows ? 2 * gridRows : gridVoxelsH));
  const padW = 4 * Math.ceil((lo[2] + Math.max(W, plan.inStride * 4 * (gridSegW - 1) + startW + windowFloats)) / 4);

  // Large batches run in chunks whose padded copy fits one binding.
  const paddedSample = I * padD * padH * padW;
  const elem = w.weight.dtype;
  const chunk = Math.min(B, Math.floor(g.rt.limits.maxStorageBufferBindingSize / Tensor.bytesFor(paddedSample, elem)));
  if (chunk < 1) throw new Error(`${plan.op}: one padded sample of input [${x.shape}] exceeds the largest binding`);
  const padded = g.tensor([chunk, I, padD, padH, padW], elem);
  for (let firstSample = 0; firstSample < B; firstSample += chunk) {
    const samples = Math.min(chunk, B - firstSample);
    kernels.pad[elem].dispatch(g, {
      label: `${plan.op} pad`,
      work: {
        signature: `${plan.op} pad [${samples},${I},${D},${H},${W}] -> [${samples},${I},${padD},${padH},${padW}]`,
        bytes: Tensor.bytesFor(samples * I * D * H * W, 'f32') + Tensor.bytesFor(samples * paddedSample, elem),
      },
      uniforms: {
        total: (samples * paddedSample) / 4,
        first: firstSample * I * D * H * W,
        inD: D,
        inH: H,
        inW: W,
        padD,
        padH,
        padW,
        loD: lo[0],
        loH: lo[1],
        loW: lo[2],
      },
      storage: { x, xp: padded },
      workgroups: elementwiseGrid((samples * paddedSample) / 4),
    });
    const segments = samples * gridD * gridRows * gridSegW;
    // Two segments per invocation share the weight loads; with fewer than 8 invocations'
    // worth, one segment each keeps more of an 8-lane SIMD group busy.
    const seg = segments < 16 ? 1 : 2;
    // Rows of an even number of segments hold both segments of every invocation.
    const adjacent = seg === 2 && plan.inStride === 1 && gridSegW % 2 === 0;
    const tiles = Math.ceil(segments / seg);
    const workgroupSize = workgroupLanes(g.rt, tiles);
    const workgroups: [number, number, number] = [
      Math.ceil(tiles / workgroupSize),
      Math.ceil(O / CHANNELS_PER_GROUP),
      plan.classes.length,
    ];
    kernels.core[elem][laneVariant(g.rt)].dispatch(g, {
      label: plan.op,
      work: convWork(plan, w, samples, Tensor.bytesFor(samples * paddedSample, elem)),
      overrides: { WG: workgroupSize, IN_STRIDE: plan.inStride, ADJACENT: adjacent, SEG: seg, TWO_ROWS: twoRows },
      uniforms: {
        inChannels: I,
        outChannels: O,
        kernel: w.kernel,
        segments,
        padD,
        padH,
        padW,
        outD: Do,
        outH: Ho,
        outW: Wo,
        gridD,
        gridRows,
        gridSegW,
        outStep: plan.outStep,
        hasBias: w.bias ? 1 : 0,
        firstSample,
        classes: classTable(plan.classes, withTaps, lo),
      },
      storage: { x: padded, w: w.weight, bias: w.bias ?? UNUSED_BINDING, y },
      workgroups,
    });
  }
}

/**
 * What one dispatch of `plan` over `samples` samples computes, e.g.
 * 'conv3d 512->512 k3 s1 -> 8x8x4 (B=1)', reading `inputBytes` of input.
 */
function convWork(plan: ConvPlan, w: ConvWeights, samples: number, inputBytes: number): KernelWork {
  // One of the two is 1: a conv strides over its input, a transposed conv over its output.
  const stride = plan.inStride * plan.outStep;
  const [, , ...outSpatial] = plan.outShape;
  const outputBytes = 4 * samples * w.outChannels * outSpatial.reduce((a, b) => a * b, 1);
  return {
    signature: `${plan.op} ${w.inChannels}->${w.outChannels} k${w.kernel} s${stride} -> ${outSpatial.join('x')} (B=${samples})`,
    bytes: inputBytes + w.weight.byteLength + (w.bias?.byteLength ?? 0) + outputBytes,
    flops: samples * flopsPerSample(plan, w),
  };
}

/**
 * 2 FLOP per multiply-add of a tap that carries a kernel weight, so a
 * transposed conv counts neither the zero taps that align its classes (leads)
 * nor the class voxels past the output. Taps reading zero padding count, as
 * in the architecture's count (src/perf/model-flops.ts).
 */
function flopsPerSample(plan: ConvPlan, w: ConvWeights): number {
  const [, , ...outSpatial] = plan.outShape;
  const multiplyAdds = plan.classes.reduce((sum, { residue, axes }) => {
    const voxels = axes.reduce((n, _, a) => n * Math.max(0, Math.ceil((outSpatial[a] - residue[a]) / plan.outStep)), 1);
    const taps = axes.reduce((n, axis) => n * (axis.count - axis.lead), 1);
    return sum + voxels * taps;
  }, 0);
  return 2 * w.inChannels * w.outChannels * multiplyAdds;
}

/** The ConvClass array of shaders/conv3d.wgsl, window starts shifted by the padding `lo`. */
function classTable(classes: ConvClass[], withTaps: ConvClass[], lo: number[]): UniformValue<typeof CONV_CLASS>[] {
  return classes.map((cls) => {
    if (!withTaps.includes(cls)) {
      // No taps: the kernel writes the bias.
      return { start: [0, 0, 0, 0], count: [0, 0, 0, 0], origin: [0, 0, 0], lead: 0, step: [0, 0, 0, 0], residue: [...cls.residue, 0] };
    }
    const [d, h, w] = cls.axes;
    return {
      start: [d.start + lo[0], h.start + lo[1], w.start + lo[2], 0],
      count: [d.count, h.count, w.count, 0],
      origin: [d.origin, h.origin, w.origin],
      lead: w.lead,
      step: [d.step, h.step, w.step, 0],
      residue: [...cls.residue, 0],
    };
  });
}

/**
 * Invocations per workgroup for `work` invocations' worth of work. On CPU
 * adapters one SIMD group (8 lanes) per workgroup ran fastest on llvmpipe
 * (64 lanes were 1.2 to 1.6 times slower on the CH UNet's 8x8x4 convs at
 * batch 4). GPUs (subgroups of 32 or 64) get 64 lanes, or one subgroup for
 * small layers.
 */
export function workgroupLanes(rt: Runtime, work: number): number {
  if (isCpuAdapter(rt)) return 8;
  const simd = rt.device.adapterInfo.subgroupMaxSize ?? 32;
  return work >= 64 ? 64 : Math.min(simd, 64);
}

/**
 * A CPU adapter's subgroup is its SIMD width (llvmpipe: 8, SwiftShader: 4);
 * browsers that do not report subgroup sizes are far more often on a GPU.
 */
export function isCpuAdapter(rt: Runtime): boolean {
  return (rt.device.adapterInfo.subgroupMaxSize ?? 32) <= 8;
}

/** 'subgroup' where the kernels can share loads across subgroups of at least 8 lanes. */
export function laneVariant(rt: Runtime): LaneVariant {
  return rt.device.features.has('subgroups') && (rt.device.adapterInfo.subgroupMinSize ?? 0) >= 8 ? 'subgroup' : 'plain';
}

export function checkWeightShape(op: string, weight: HostTensor, layout: string): void {
  const [a, b, k] = weight.shape;
  const ok =
    weight.shape.length === 5 && weight.shape[3] === k && weight.shape[4] === k && k >= 1 && k <= 3 &&
    weight.data.length === a * b * k ** 3;
  if (!ok) throw new Error(`${op}: weight must be ${layout} with a cubic kernel k <= 3, got [${weight.shape}]`);
}

/**
 * Uploads weights as [channel group][r][8 channels], r running over
 * (input channel, kd, kh, kw), zero past the last output channel, so that one
 * vec4 load gives 4 output channels. `at(o, r)` reads the PyTorch tensor.
 */
export function uploadWeight(owner: Allocator, outChannels: number, perOut: number, at: (o: number, r: number) => number, dtype: DType): Tensor {
  const groups = Math.ceil(outChannels / CHANNELS_PER_GROUP);
  const data = new Float32Array(groups * perOut * CHANNELS_PER_GROUP);
  for (let o = 0; o < outChannels; o++) {
    const base = Math.floor(o / CHANNELS_PER_GROUP) * perOut * CHANNELS_PER_GROUP + (o % CHANNELS_PER_GROUP);
    for (let r = 0; r < perOut; r++) data[base + r * CHANNELS_PER_GROUP] = at(o, r);
  }
  return owner.upload(data, [data.length], dtype);
}

export function uploadBias(owner: Allocator, op: string, bias: HostTensor | undefined, outChannels: number): Tensor | undefined {
  if (!bias) return undefined;
  if (bias.shape.length !== 1 || bias.shape[0] !== outChannels) {
    throw new Error(`${op}: bias must be (${outChannels}), got [${bias.shape}]`);
  }
  return owner.upload(bias.data, bias.shape);
}
