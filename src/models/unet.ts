import { Act } from '../ops/activation.js';
import { addChannelVectors } from '../ops/channel-add.js';
import { concatChannels } from '../ops/concat.js';
import { conv3d, type Conv3dWeights } from '../ops/conv3d.js';
import { convTranspose3d, prepareConvTranspose3d, type ConvTranspose3dOptions, type ConvTranspose3dWeights } from '../ops/conv-transpose3d.js';
import { linear, prepareLinear, type LinearWeights } from '../ops/linear.js';
import { maxPool3d } from '../ops/maxpool3d.js';
import { groupNorm, type Affine } from '../ops/norm.js';
import { unary } from '../ops/unary.js';
import type { Allocator, DType, Graph, Tensor } from '../runtime/index.js';
import { inferUnetShape, UNET_DOWNSAMPLE, UNET_GROUPS as GROUPS, type UNetShape } from './architecture.js';
import { loadAffine, loadResidualConvBlock, loadSame3, residualConvBlock, type ResidualConvBlock } from './blocks.js';
import type { WeightSet } from './weights.js';

/** The up-sampling layers: up0 keeps the size (k1), up1 and up2 double it (k2 s2). */
const KEEP: ConvTranspose3dOptions = { stride: 1, padding: 0, outputPadding: 0 };
const DOUBLE: ConvTranspose3dOptions = { stride: 2, padding: 0, outputPadding: 0 };

/** EmbedFC(i, o)(v) = Linear(o, o)(GELU(Linear(i, o)(v))). */
interface EmbedFC {
  fc0: LinearWeights;
  fc2: LinearWeights;
}

function loadEmbed(owner: Allocator, w: WeightSet, prefix: string, inputs: number, outputs: number): EmbedFC {
  const lin = (name: string, shape: number[]) => prepareLinear(owner, w.get(`${prefix}.${name}.weight`, shape), w.get(`${prefix}.${name}.bias`, [shape[0]]));
  return { fc0: lin('model.0', [outputs, inputs]), fc2: lin('model.2', [outputs, outputs]) };
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
   * `latentSpatial` (d, h, w): the latent the UNet will run on, which picks each
   * conv's kernel (it still runs any divisible size). `dtype` f16 stores every
   * conv's weights (and padded input) as f16 with f32 sums; norms, embeddings
   * and everything between layers stay f32.
   */
  static load(owner: Allocator, w: WeightSet, latentSpatial: readonly number[], dtype: DType = 'f32'): UNet {
    const s = inferUnetShape(w).shape;
    const { nFeat: n, latentChannels: C, contextSize: K } = s;
    const m = 'nn_model';
    const full = latentSpatial;
    const half = latentSpatial.map((v) => v / 2);
    const rcb = (prefix: string, i: number, o: number, spatial: readonly number[]) =>
      loadResidualConvBlock(owner, w, `${m}.${prefix}`, i, o, spatial, dtype);
    const convT = (prefix: string, i: number, o: number, k: number, up: ConvTranspose3dOptions) =>
      prepareConvTranspose3d(owner, w.get(`${m}.${prefix}.weight`, [i, o, k, k, k]), up, w.get(`${m}.${prefix}.bias`, [o]), dtype);
    return new UNet(s, {
      init: rcb('init_conv', C, n, full),
      down1: rcb('down1.model.0', n, n, full),
      down2: rcb('down2.model.0', n, 2 * n, half),
      time1: loadEmbed(owner, w, `${m}.timeembed1`, 1, 2 * n),
      time2: loadEmbed(owner, w, `${m}.timeembed2`, 1, n),
      ctx1: loadEmbed(owner, w, `${m}.contextembed1`, K, 2 * n),
      ctx2: loadEmbed(owner, w, `${m}.contextembed2`, K, n),
      up0: convT('up0.0', 2 * n, 2 * n, 1, KEEP),
      up0Norm: loadAffine(owner, w, `${m}.up0.1`, 2 * n),
      up1: convT('up1.model.0', 4 * n, n, 2, DOUBLE),
      up1Blocks: [rcb('up1.model.1', n, n, half), rcb('up1.model.2', n, n, half)],
      up2: convT('up2.model.0', 2 * n, n, 2, DOUBLE),
      up2Blocks: [rcb('up2.model.1', n, n, full), rcb('up2.model.2', n, n, full)],
      out0: loadSame3(owner, w, `${m}.out.0`, n, 2 * n, full, dtype),
      out1: loadAffine(owner, w, `${m}.out.1`, n),
      out3: loadSame3(owner, w, `${m}.out.3`, C, n, full, dtype),
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
