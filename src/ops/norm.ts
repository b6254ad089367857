import normWgsl from '../../shaders/norm.wgsl';
import normPlainWgsl from '../../shaders/norm-plain.wgsl';
import normSubgroupWgsl from '../../shaders/norm-subgroup.wgsl';
import { grid, Params, type Graph, type Runtime, type Tensor } from '../runtime/index.js';
import { Act, withActivation } from './activation.js';

// The variant goes first: its `enable subgroups` must precede every declaration.
const subgroupShader = `${normSubgroupWgsl}\n${withActivation(normWgsl)}`;
const plainShader = `${normPlainWgsl}\n${withActivation(normWgsl)}`;

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

const RESIDUAL_CODE = { none: 0, 'act-then-add': 1, 'add-then-act': 2 } as const;

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
  g.add({
    label: 'groupNorm',
    work: {
      signature: `groupNorm ${groups} groups [${x.shape}]${residual ? ' + residual' : ''}`,
      bytes: x.byteLength + (residual?.tensor.byteLength ?? 0) + (affine ? 2 * 4 * channels : 0) + y.byteLength,
    },
    shader: plan.shader,
    constants: {
      ACT: act,
      AFFINE: affine ? 1 : 0,
      RESIDUAL: RESIDUAL_CODE[residual?.order ?? 'none'],
      ...plan.constants,
    },
    params: new Params()
      .u32(segments, groups, groupLen, spatial, channelsPerGroup)
      .f32(eps, residual?.scale ?? 1)
      .bytes(),
    buffers: [x, affine?.weight ?? x, affine?.bias ?? x, residual?.tensor ?? x, y],
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
  shader: string;
  /** WG (the invocations sharing a segment) and, with subgroups, SEGMENTS. */
  constants: Record<string, number>;
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
    return { shader: subgroupShader, constants: { WG: subgroup, SEGMENTS: segmentsPerWorkgroup }, segmentsPerWorkgroup };
  }
  const lanes = Math.min(MAX_PLAIN_LANES, Math.max(8, nextPowerOfTwo(Math.ceil(groupLen / VALUES_PER_LANE))));
  return { shader: plainShader, constants: { WG: lanes }, segmentsPerWorkgroup: 1 };
}

function nextPowerOfTwo(n: number): number {
  return 2 ** Math.ceil(Math.log2(Math.max(1, n)));
}
