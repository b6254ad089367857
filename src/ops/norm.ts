import normWgsl from '../../shaders/norm.wgsl';
import { grid, Params, type Graph, type Tensor } from '../runtime/index.js';
import { Act, withActivation } from './activation.js';

const shader = withActivation(normWgsl);

/** Per-channel scale and shift after normalisation, (C,) each. */
export interface Affine {
  weight: Tensor;
  bias: Tensor;
}

export interface NormOptions {
  affine?: Affine;
  act?: Act;
  /** Added to the biased variance; PyTorch's default 1e-5. */
  eps?: number;
}

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
  const { affine, act = Act.none, eps = 1e-5 } = opts;
  if (affine && (affine.weight.size !== channels || affine.bias.size !== channels)) {
    throw new Error(`${where}: affine weight [${affine.weight.shape}] and bias [${affine.bias.shape}] need ${channels} values`);
  }
  const y = out ?? g.tensor(x.shape);
  if (String(y.shape) !== String(x.shape)) throw new Error(`${where}: out [${y.shape}] must have x's shape`);
  if (y.buffer === x.buffer) throw new Error(`${where}: out must not share x's buffer`);

  const spatial = x.size / (batch * channels);
  const channelsPerGroup = channels / groups;
  g.add({
    label: 'groupNorm',
    shader,
    constants: { ACT: act, AFFINE: affine ? 1 : 0 },
    params: new Params()
      .u32(batch * groups, groups, channelsPerGroup * spatial, spatial, channelsPerGroup)
      .f32(eps)
      .bytes(),
    buffers: [x, affine?.weight ?? x, affine?.bias ?? x, y],
    workgroups: grid(batch * groups, 1),
  });
  return y;
}

/** torch.nn.InstanceNorm{1,2,3}d on x (B, C, ...spatial): GroupNorm with one channel per group. */
export function instanceNorm(g: Graph, x: Tensor, opts: NormOptions = {}, out?: Tensor): Tensor {
  if (x.shape.length < 2) throw new Error(`instanceNorm: x [${x.shape}] needs (B, C, ...spatial)`);
  return groupNorm(g, x, x.shape[1], opts, out);
}
