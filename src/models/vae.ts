import { Act } from '../ops/activation.js';
import { conv3d, directPath, type Conv3dWeights } from '../ops/conv3d.js';
import { convTranspose3d, type ConvTranspose3dOptions, type ConvTranspose3dWeights } from '../ops/conv-transpose3d.js';
import { instanceNorm, type Affine } from '../ops/norm.js';
import { unary } from '../ops/unary.js';
import type { Allocator, Graph, Tensor } from '../runtime/index.js';
import type { VaeArchitecture } from './architecture.js';
import { loadAffine, loadConv3d, loadConvTranspose3d, loadResBlock, resBlock, type ResBlock } from './blocks.js';
import type { WeightSet } from './weights.js';

interface EncoderStage {
  conv: Conv3dWeights;
  norm: Affine;
  res: ResBlock;
  opts: { stride: number; padding: number };
}

/** conv_mu and conv_logvar: 1x1x1 convs. */
const ONE = { stride: 1, padding: 0 };

/** The VAE encoder: volume (B, 1, D, H, W) -> mu, logvar (B, L, d, h, w). */
export class VaeEncoder {
  private constructor(
    private readonly stages: EncoderStage[],
    private readonly mu: Conv3dWeights,
    private readonly logvar: Conv3dWeights,
  ) {}

  static load(owner: Allocator, w: WeightSet, spec: VaeArchitecture['encoder']): VaeEncoder {
    const stages = spec.stages.map((st) => {
      const opts = { stride: st.stride, padding: st.conv.kernel === 3 ? 1 : 0 };
      return {
        conv: loadConv3d(owner, w, st.conv, 'f32', directPath(st.conv.kernel, opts)),
        norm: loadAffine(owner, w, st.norm),
        res: loadResBlock(owner, w, st.res),
        opts,
      };
    });
    const gemm = directPath(1, ONE);
    return new VaeEncoder(stages, loadConv3d(owner, w, spec.mu, 'f32', gemm), loadConv3d(owner, w, spec.logvar, 'f32', gemm));
  }

  build(g: Graph, x: Tensor): { mu: Tensor; logvar: Tensor } {
    let h = x;
    for (const st of this.stages) {
      h = conv3d(g, h, st.conv, st.opts);
      h = instanceNorm(g, h, { affine: st.norm });
      h = resBlock(g, h, st.res);
    }
    return { mu: conv3d(g, h, this.mu, ONE), logvar: conv3d(g, h, this.logvar, ONE) };
  }
}

interface DecoderStage {
  conv: ConvTranspose3dWeights;
  up: ConvTranspose3dOptions;
  norm: Affine;
  res: ResBlock;
}

/** The VAE decoder: latent (B, L, d, h, w) -> volume in [0, 1] (B, 1, D, H, W). */
export class VaeDecoder {
  private constructor(
    private readonly stages: DecoderStage[],
    private readonly finalConv: ConvTranspose3dWeights,
    private readonly finalUp: ConvTranspose3dOptions,
  ) {}

  static load(owner: Allocator, w: WeightSet, spec: VaeArchitecture['decoder']): VaeDecoder {
    const stages = spec.convs.map((conv, i) => {
      const up = i === 0 ? { stride: 1, padding: 0, outputPadding: 0 } : { stride: 2, padding: 1, outputPadding: 1 };
      return { conv: loadConvTranspose3d(owner, w, conv, up), up, norm: loadAffine(owner, w, spec.norms[i]), res: loadResBlock(owner, w, spec.resBlocks[i]) };
    });
    const s = spec.finalStride;
    const finalUp = { stride: s, padding: 1, outputPadding: s - 1 };
    return new VaeDecoder(stages, loadConvTranspose3d(owner, w, spec.finalConv, finalUp), finalUp);
  }

  build(g: Graph, z: Tensor): Tensor {
    let h = z;
    for (const st of this.stages) {
      h = convTranspose3d(g, h, st.conv, st.up);
      h = instanceNorm(g, h, { affine: st.norm });
      h = resBlock(g, h, st.res);
    }
    h = convTranspose3d(g, h, this.finalConv, this.finalUp);
    return unary(g, h, Act.sigmoid);
  }
}
