import normWgsl from '../../shaders/norm.wgsl';
import normIoWgsl from '../../shaders/norm-io.wgsl';
import normIoInPlaceWgsl from '../../shaders/norm-io-in-place.wgsl';
import normPlainWgsl from '../../shaders/norm-plain.wgsl';
import normSubgroupWgsl from '../../shaders/norm-subgroup.wgsl';
import { declareKernel, grid } from '../kernel/kernel.js';
import { wgslConstant } from '../kernel/wgsl-source.js';
import { UNUSED_BINDING, type Graph, type Runtime, type Tensor } from '../runtime/index.js';
import { Act, ACTIVATION_OVERRIDES, ACTIVATION_PART } from './activation.js';

/** The two ways a workgroup sums (workgroup memory, or one subgroup), each with its entry point. */
const variants = {
  plain: { lanes: normPlainWgsl, entryPoint: 'one_segment_per_workgroup' },
  subgroup: { lanes: normSubgroupWgsl, entryPoint: 'several_segments_per_workgroup' },
} as const;
const kernels = {
  plain: declareNorm('plain'),
  subgroup: declareNorm('subgroup'),
};

function declareNorm(variant: keyof typeof variants) {
  return declareKernel({
    name: `groupNorm ${variant}`,
    parts: [ACTIVATION_PART, variants[variant].lanes, normIoWgsl, normWgsl],
    entryPoint: variants[variant].entryPoint,
    uniforms: {
      struct: 'P',
      fields: {
        segments_total: 'u32',
        groups_per_sample: 'u32',
        group_len: 'u32',
        spatial: 'u32',
        channels_per_group: 'u32',
        eps: 'f32',
        residual_scale: 'f32',
      },
    },
    storage: { weight: 'read', bias: 'read', residual: 'read', y: 'read_write', x: 'read' },
    overrides: { ...ACTIVATION_OVERRIDES, AFFINE: 'bool', RESIDUAL: 'u32', WG: 'u32', SEGMENTS: 'u32' },
    // Every pass over a segment reads each value before the last one writes it, in the same invocation.
    inPlace: { output: 'y', input: 'x', replace: normIoWgsl, with: normIoInPlaceWgsl },
  });
}

/** Per-channel scale and shift after normalisation, (C,) each. */
export interface Affine {
  weight: Tensor;
  bias: Tensor;
}

/**
 * A residual added in the same kernel, saving a pass over the output.
 * 'act-then-add': y = (tensor + act(norm)) * scale, the UNet's (x + GELU(IN(h))) / 1.414;
 * 'add-then-act': y = act((tensor + norm) * scale), the VAE's ReLU(x + IN(h)).
 */
export interface Residual {
  tensor: Tensor;
  scale: number;
  order: 'act-then-add' | 'add-then-act';
}

export interface NormOptions {
  affine?: Affine;
  act?: Act;
  /** Added to the biased variance; PyTorch's default 1e-5. */
  eps?: number;
  residual?: Residual;
}

/** The RESIDUAL codes of shaders/norm.wgsl. */
const RESIDUAL_CODE = {
  none: wgslConstant(normWgsl, 'RESIDUAL_NONE'),
  'act-then-add': wgslConstant(normWgsl, 'RESIDUAL_ACT_THEN_ADD'),
  'add-then-act': wgslConstant(normWgsl, 'RESIDUAL_ADD_THEN_ACT'),
} as const;

/**
 * torch.nn.GroupNorm on x (B, C, ...spatial): out = act(norm(x) * weight + bias),
 * statistics over each (sample, group of C / groups channels), biased variance.
 */
export function groupNorm(g: Graph, x: Tensor, groups: number, opts: NormOptions = {}, out?: Tensor): Tensor {
  const [batch, channels] = x.shape;
  const where = `groupNorm: x [${x.shape}], ${groups} groups`;
  if (x.shape.length < 2) throw new Error(`${where}: x needs (B, C, ...spatial)`);
  if (!Number.isInteger(groups) || groups < 1 || channels % groups !== 0) {
    throw new Error(`${where}: the channel count must be a multiple of the group count`);
  }
  const { affine, act = Act.none, eps = 1e-5, residual } = opts;
  if (affine && (affine.weight.size !== channels || affine.bias.size !== channels)) {
    throw new Error(`${where}: affine weight [${affine.weight.shape}] and bias [${affine.bias.shape}] need ${channels} values`);
  }
  if (residual && String(residual.tensor.shape) !== String(x.shape)) {
    throw new Error(`${where}: residual [${residual.tensor.shape}] must have x's shape`);
  }
  const y = out ?? g.tensor(x.shape);
  if (String(y.shape) !== String(x.shape)) throw new Error(`${where}: out [${y.shape}] must have x's shape`);
  if (y.sharesStorage(x) || (residual !== undefined && y.sharesStorage(residual.tensor))) {
    throw new Error(`${where}: out must not share x's or the residual's buffer`);
  }

  const spatial = x.size / (batch * channels);
  const channelsPerGroup = channels / groups;
  const groupLen = channelsPerGroup * spatial;
  const segments = batch * groups;
  const plan = planLanes(g.rt, groupLen);
  kernels[plan.variant].dispatch(g, {
    label: 'groupNorm',
    work: {
      signature: `groupNorm ${groups} groups [${x.shape}]${residual ? ' + residual' : ''}`,
      bytes: x.byteLength + (residual?.tensor.byteLength ?? 0) + (affine ? 2 * 4 * channels : 0) + y.byteLength,
    },
    overrides: {
      ACT: act,
      AFFINE: affine !== undefined,
      RESIDUAL: RESIDUAL_CODE[residual?.order ?? 'none'],
      ...plan.overrides,
    },
    uniforms: {
      segments_total: segments,
      groups_per_sample: groups,
      group_len: groupLen,
      spatial,
      channels_per_group: channelsPerGroup,
      eps,
      residual_scale: residual?.scale ?? 1,
    },
    storage: { weight: affine?.weight ?? UNUSED_BINDING, bias: affine?.bias ?? UNUSED_BINDING, residual: residual?.tensor ?? UNUSED_BINDING, y, x },
    workgroups: grid(segments, plan.segmentsPerWorkgroup),
  });
  return y;
}

/** torch.nn.InstanceNorm{1,2,3}d on x (B, C, ...spatial): GroupNorm with one channel per group. */
export function instanceNorm(g: Graph, x: Tensor, opts: NormOptions = {}, out?: Tensor): Tensor {
  if (x.shape.length < 2) throw new Error(`instanceNorm: x [${x.shape}] needs (B, C, ...spatial)`);
  return groupNorm(g, x, x.shape[1], opts, out);
}

/** Values per lane worth a workgroup: sizes plain workgroups and packs tiny segments into subgroup ones. */
const VALUES_PER_LANE = 8;
/**
 * Past this many values per lane one subgroup-wide workgroup per segment
 * leaves a GPU idle: go wide. On llvmpipe, 256 (2048-value segments, as in
 * the UNet's GroupNorm(8, 64) at 8x8x4) was still 1.4-2.3x faster than 64.
 */
const MAX_VALUES_PER_SUBGROUP_LANE = 256;
const MAX_PLAIN_LANES = 256;

interface LanePlan {
  variant: keyof typeof variants;
  /** WG (the invocations sharing a segment) and, with subgroups, SEGMENTS. */
  overrides: { WG: number; SEGMENTS?: number };
  segmentsPerWorkgroup: number;
}

/**
 * For small segments with subgroups, a workgroup as wide as the smallest
 * subgroup reduces with subgroupAdd and no barrier, and takes several tiny
 * segments. Otherwise one segment per power-of-two workgroup just wide enough
 * for it: each halving saves a barrier, and barriers are what small segments
 * cost on CPU adapters.
 */
function planLanes(rt: Runtime, groupLen: number): LanePlan {
  const subgroup = rt.device.features.has('subgroups') ? (rt.device.adapterInfo.subgroupMinSize ?? 0) : 0;
  if (subgroup >= 4 && groupLen <= subgroup * MAX_VALUES_PER_SUBGROUP_LANE) {
    const segmentsPerWorkgroup = Math.max(1, Math.floor((subgroup * VALUES_PER_LANE) / groupLen));
    return { variant: 'subgroup', overrides: { WG: subgroup, SEGMENTS: segmentsPerWorkgroup }, segmentsPerWorkgroup };
  }
  const lanes = Math.min(MAX_PLAIN_LANES, Math.max(8, nextPowerOfTwo(Math.ceil(groupLen / VALUES_PER_LANE))));
  return { variant: 'plain', overrides: { WG: lanes }, segmentsPerWorkgroup: 1 };
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}
