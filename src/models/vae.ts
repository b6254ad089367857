import { Act } from '../ops/activation.js';
import { conv3d, type Conv3dWeights } from '../ops/conv3d.js';
import { convTranspose3d, prepareConvTranspose3d, type ConvTranspose3dOptions, type ConvTranspose3dWeights } from '../ops/conv-transpose3d.js';
import { instanceNorm, type Affine } from '../ops/norm.js';
import { unary } from '../ops/unary.js';
import type { Allocator, Graph, Tensor } from '../runtime/index.js';
import { vaeDecoderWidths, vaeEncoderStages, type VaeShape } from './architecture.js';
import { loadAffine, loadConv3d, loadResBlock, resBlock, type ResBlock } from './blocks.js';
import type { WeightSet } from './weights.js';

interface EncoderStage {
  conv: Conv3dWeights;
  norm: Affine;
  res: ResBlock;
  stride: number;
}

/** The VAE encoder: volume (B, 1, D, H, W) -> mu, logvar (B, L, d, h, w). */
export class VaeEncoder {
  private constructor(
    private readonly stages: EncoderStage[],
    private readonly mu: Conv3dWeights,
    private readonly logvar: Conv3dWeights,
  ) {}

  static load(owner: Allocator, w: WeightSet, s: VaeShape): VaeEncoder {
    const stages: EncoderStage[] = [];
    let inCh = 1;
    let layer = 0;
    for (const st of vaeEncoderStages(s)) {
      const k = st.kernel;
      const p = `encoder.conv_layers`;
      stages.push({
        conv: loadConv3d(owner, w, `${p}.${layer}`, [st.out, inCh, k, k, k]),
        norm: loadAffine(owner, w, `${p}.${layer + 1}`, st.out),
        res: loadResBlock(owner, w, `${p}.${layer + 2}`, st.out),
        stride: st.stride,
      });
      inCh = st.out;
      layer += 3;
    }
    const L = s.latentChannels;
    return new VaeEncoder(stages, loadConv3d(owner, w, 'encoder.conv_mu', [L, L, 1, 1, 1]), loadConv3d(owner, w, 'encoder.conv_logvar', [L, L, 1, 1, 1]));
  }

  build(g: Graph, x: Tensor): { mu: Tensor; logvar: Tensor } {
    let h = x;
    for (const st of this.stages) {
      const k = st.conv.kernel;
      h = conv3d(g, h, st.conv, { stride: st.stride, padding: k === 3 ? 1 : 0 });
      h = instanceNorm(g, h, { affine: st.norm });
      h = resBlock(g, h, st.res);
    }
    const one = { stride: 1, padding: 0 };
    return { mu: conv3d(g, h, this.mu, one), logvar: conv3d(g, h, this.logvar, one) };
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

  static load(owner: Allocator, w: WeightSet, s: VaeShape): VaeDecoder {
    const widths = vaeDecoderWidths(s);
    const stages: DecoderStage[] = [];
    for (let i = 0; i < 4; i++) {
      const [inCh, outCh] = [widths[i], widths[i + 1]];
      const k = i === 0 ? 1 : 3;
      const up = i === 0 ? { stride: 1, padding: 0, outputPadding: 0 } : { stride: 2, padding: 1, outputPadding: 1 };
      stages.push({
        conv: prepareConvTranspose3d(owner, w.get(`decoder.convs.${i}.weight`, [inCh, outCh, k, k, k]), up, w.get(`decoder.convs.${i}.bias`, [outCh])),
        up,
        norm: loadAffine(owner, w, `decoder.instnorms.${i}`, outCh),
        res: loadResBlock(owner, w, `decoder.resblocks.${i}`, outCh),
      });
    }
    const stride = s.firstLayerDownsample ? 1 : 2;
    const finalUp = { stride, padding: 1, outputPadding: stride - 1 };
    const finalConv = prepareConvTranspose3d(owner, w.get('decoder.final_conv.weight', [64, 1, 3, 3, 3]), finalUp, w.get('decoder.final_conv.bias', [1]));
    return new VaeDecoder(stages, finalConv, finalUp);
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
