import { Act } from '../ops/activation.js';
import { addChannelVectors } from '../ops/channel-add.js';
import { concatChannels } from '../ops/concat.js';
import { conv3d, type Conv3dWeights } from '../ops/conv3d.js';
import { convTranspose3d, type ConvTranspose3dOptions, type ConvTranspose3dWeights } from '../ops/conv-transpose3d.js';
import { linear, type LinearWeights } from '../ops/linear.js';
import { maxPool3d } from '../ops/maxpool3d.js';
import { groupNorm, type Affine } from '../ops/norm.js';
import { unary } from '../ops/unary.js';
import type { Allocator, DType, Graph, Tensor } from '../runtime/index.js';
import {
  UNET_DOWNSAMPLE,
  UNET_GROUPS as GROUPS,
  type ConvTransposeLayer,
  type EmbedLayers,
  type ResidualConvBlockLayers,
  type UNetArchitecture,
  type UNetShape,
} from './architecture.js';
import { loadAffine, loadConvTranspose3d, loadLinear, loadResidualConvBlock, loadSame3, residualConvBlock, type ResidualConvBlock } from './blocks.js';
import type { WeightSet } from './weights.js';

/** The up-sampling layers: up0 keeps the size (k1), up1 and up2 double it (k2 s2). */
const KEEP: ConvTranspose3dOptions = { stride: 1, padding: 0, outputPadding: 0 };
const DOUBLE: ConvTranspose3dOptions = { stride: 2, padding: 0, outputPadding: 0 };

/** EmbedFC(i, o)(v) = Linear(o, o)(GELU(Linear(i, o)(v))). */
interface EmbedFC {
  fc0: LinearWeights;
  fc2: LinearWeights;
}

function loadEmbed(owner: Allocator, w: WeightSet, spec: EmbedLayers): EmbedFC {
  return { fc0: loadLinear(owner, w, spec.fc0), fc2: loadLinear(owner, w, spec.fc2) };
}

function embed(g: Graph, v: Tensor, e: EmbedFC): Tensor {
  return linear(g, linear(g, v, e.fc0, Act.gelu), e.fc2);
}

/** The conditional UNet (keys nn_model.*), predicting the noise in x at time t given context c. */
export class UNet {
  private constructor(
    readonly shape: UNetShape,
    private readonly p: {
      init: ResidualConvBlock;
      down1: ResidualConvBlock;
      down2: ResidualConvBlock;
      time1: EmbedFC;
      time2: EmbedFC;
      ctx1: EmbedFC;
      ctx2: EmbedFC;
      up0: ConvTranspose3dWeights;
      up0Norm: Affine;
      up1: ConvTranspose3dWeights;
      up1Blocks: [ResidualConvBlock, ResidualConvBlock];
      up2: ConvTranspose3dWeights;
      up2Blocks: [ResidualConvBlock, ResidualConvBlock];
      out0: Conv3dWeights;
      out1: Affine;
      out3: Conv3dWeights;
    },
  ) {}

  /**
   * `spec`: the architecture `w` was checked against (checkArchitecture).
   * `latentSpatial` (d, h, w): the latent the UNet will run on, which picks each
   * conv's kernel (it still runs any divisible size). `dtype` f16 stores every
   * conv's weights (and padded input) as f16 with f32 sums; norms, embeddings
   * and everything between layers stay f32.
   */
  static load(owner: Allocator, w: WeightSet, spec: UNetArchitecture, latentSpatial: readonly number[], dtype: DType = 'f32'): UNet {
    const l = spec.net;
    const full = latentSpatial;
    const half = latentSpatial.map((v) => v / 2);
    const rcb = (block: ResidualConvBlockLayers, spatial: readonly number[]) => loadResidualConvBlock(owner, w, block, spatial, dtype);
    const convT = (layer: ConvTransposeLayer, up: ConvTranspose3dOptions) => loadConvTranspose3d(owner, w, layer, up, dtype);
    return new UNet(spec.shape, {
      init: rcb(l.init, full),
      down1: rcb(l.down1, full),
      down2: rcb(l.down2, half),
      time1: loadEmbed(owner, w, l.time1),
      time2: loadEmbed(owner, w, l.time2),
      ctx1: loadEmbed(owner, w, l.ctx1),
      ctx2: loadEmbed(owner, w, l.ctx2),
      up0: convT(l.up0, KEEP),
      up0Norm: loadAffine(owner, w, l.up0Norm),
      up1: convT(l.up1, DOUBLE),
      up1Blocks: [rcb(l.up1Blocks[0], half), rcb(l.up1Blocks[1], half)],
      up2: convT(l.up2, DOUBLE),
      up2Blocks: [rcb(l.up2Blocks[0], full), rcb(l.up2Blocks[1], full)],
      out0: loadSame3(owner, w, l.out0, full, dtype),
      out1: loadAffine(owner, w, l.out1),
      out3: loadSame3(owner, w, l.out3, full, dtype),
    });
  }

  /** x (B, C, D, H, W), t (B), c (B, K) -> predicted noise (B, C, D, H, W). */
  build(g: Graph, x: Tensor, t: Tensor, c: Tensor): Tensor {
    const p = this.p;
    const b = x.shape[0];
    const [d, h, wd] = x.shape.slice(2);
    if ([d, h, wd].some((n) => n % UNET_DOWNSAMPLE)) {
      throw new Error(`UNet: latent spatial size ${d}x${h}x${wd} must be divisible by ${UNET_DOWNSAMPLE}`);
    }
    const x0 = residualConvBlock(g, x, p.init);
    const d1 = maxPool3d(g, residualConvBlock(g, x0, p.down1));
    const d2 = maxPool3d(g, residualConvBlock(g, d1, p.down2));
    const hidden = unary(g, d2, Act.gelu);

    const tv = t.view([b, 1]);
    const te1 = embed(g, tv, p.time1);
    const te2 = embed(g, tv, p.time2);
    const ce1 = embed(g, c, p.ctx1);
    const ce2 = embed(g, c, p.ctx2);

    const u1 = groupNorm(g, convTranspose3d(g, hidden, p.up0, KEEP), GROUPS, { affine: p.up0Norm, act: Act.leakyRelu });
    let u2 = convTranspose3d(g, concatChannels(g, [addChannelVectors(g, u1, [te1, ce1]), d2]), p.up1, DOUBLE);
    for (const blk of p.up1Blocks) u2 = residualConvBlock(g, u2, blk);
    let u3 = convTranspose3d(g, concatChannels(g, [addChannelVectors(g, u2, [te2, ce2]), d1]), p.up2, DOUBLE);
    for (const blk of p.up2Blocks) u3 = residualConvBlock(g, u3, blk);

    const same = { stride: 1, padding: 1 };
    const o = groupNorm(g, conv3d(g, concatChannels(g, [u3, x0]), p.out0, same), GROUPS, { affine: p.out1, act: Act.tanh });
    return conv3d(g, o, p.out3, same);
  }
}
