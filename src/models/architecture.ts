// The networks' architectures, stated once: every layer's state-dict name,
// shape and role, from the widths the weights carry. Loading checks a weight
// file against it (names, shapes, nothing extra) and the loaders take each
// layer's tensors by its spec (layerWeights), random-model.ts builds weights
// from it, and convert.ts infers the widths and checks every file with it,
// together with the shape rules the engine's kernels impose.
import { FormatError, quote } from '../errors.js';
import type { HostTensor } from '../io/host-tensor.js';
import type { WeightSet } from './weights.js';

/** A layer of a PyTorch state dict; its tensors follow from its kind. */
export type Layer =
  | { kind: 'conv'; name: string; in: number; out: number; kernel: number }
  /** ConvTranspose3d, whose weight PyTorch stores (in, out, k, k, k). */
  | { kind: 'convTranspose'; name: string; in: number; out: number; kernel: number }
  /** An affine norm's weight and bias. */
  | { kind: 'norm'; name: string; channels: number }
  | { kind: 'linear'; name: string; in: number; out: number }
  /** A registered buffer (the DDPM schedule). */
  | { kind: 'buffer'; name: string; length: number };

export type ConvLayer = Extract<Layer, { kind: 'conv' }>;
export type ConvTransposeLayer = Extract<Layer, { kind: 'convTranspose' }>;
export type NormLayer = Extract<Layer, { kind: 'norm' }>;
export type LinearLayer = Extract<Layer, { kind: 'linear' }>;
export type BufferLayer = Extract<Layer, { kind: 'buffer' }>;

export interface TensorSpec {
  name: string;
  shape: number[];
  layer: Layer;
}

export function layerTensors(l: Layer): TensorSpec[] {
  const t = (suffix: string, shape: number[]): TensorSpec => ({ name: `${l.name}.${suffix}`, shape, layer: l });
  switch (l.kind) {
    case 'conv':
      return [t('weight', [l.out, l.in, l.kernel, l.kernel, l.kernel]), t('bias', [l.out])];
    case 'convTranspose':
      return [t('weight', [l.in, l.out, l.kernel, l.kernel, l.kernel]), t('bias', [l.out])];
    case 'norm':
      return [t('weight', [l.channels]), t('bias', [l.channels])];
    case 'linear':
      return [t('weight', [l.out, l.in]), t('bias', [l.out])];
    case 'buffer':
      return [{ name: l.name, shape: [l.length], layer: l }];
  }
}

/**
 * Every layer of an architecture (the structured specs below), in state-dict
 * order: the order their fields and arrays list them. Numbers beside the
 * layers (strides, widths) are not layers.
 */
export function architectureLayers(spec: object): Layer[] {
  if (typeof (spec as { kind?: unknown }).kind === 'string') return [spec as Layer];
  return Object.values(spec).flatMap((v: unknown) => (typeof v === 'object' && v !== null ? architectureLayers(v) : []));
}

/** Layer `l`'s weight and bias in `w`, each checked against the spec's shape (FormatError naming the file and tensor). */
export function layerWeights(w: WeightSet, l: ConvLayer | ConvTransposeLayer | NormLayer | LinearLayer): { weight: HostTensor; bias: HostTensor } {
  const [weight, bias] = layerTensors(l).map((t) => w.get(t.name, t.shape));
  return { weight, bias };
}

/** The values of buffer `l` in `w`, checked against the spec's length. */
export function bufferValues(w: WeightSet, l: BufferLayer): Float32Array {
  const [t] = layerTensors(l);
  return w.get(t.name, t.shape).data;
}

/** The VAE's widths: the latent's channels, the widest stage, and whether the first conv keeps the size. */
export interface VaeShape {
  latentChannels: number;
  maxChannels: number;
  firstLayerDownsample: boolean;
}

/** Encoder stages (keys encoder.conv_layers.*): conv, affine InstanceNorm, ResBlock; the last is the 1x1 to the latent. */
export function vaeEncoderStages(s: VaeShape): { out: number; stride: number; kernel: number }[] {
  return [
    { out: 64, stride: s.firstLayerDownsample ? 1 : 2, kernel: 3 },
    { out: 128, stride: 2, kernel: 3 },
    { out: 256, stride: 2, kernel: 3 },
    { out: s.maxChannels, stride: 2, kernel: 3 },
    { out: s.latentChannels, stride: 1, kernel: 1 },
  ];
}

/** Decoder widths from the latent up (keys decoder.convs.i, instnorms.i, resblocks.i), then final_conv to 1 channel. */
export function vaeDecoderWidths(s: VaeShape): number[] {
  return [s.latentChannels, s.maxChannels, 256, 128, 64];
}

/** The VAE's spatial reduction from volume to latent: 8 with a stride-1 first layer, else 16. */
export function vaeDownsampleFactor(firstLayerDownsample: boolean): number {
  return vaeEncoderStages({ latentChannels: 1, maxChannels: 1, firstLayerDownsample }).reduce((f, st) => f * st.stride, 1);
}

/** A VAE ResBlock (keys block.0, .1, .3, .4): conv, affine InstanceNorm, conv, affine InstanceNorm. */
export interface ResBlockLayers {
  conv0: ConvLayer;
  norm1: NormLayer;
  conv3: ConvLayer;
  norm4: NormLayer;
}

function resBlockLayers(prefix: string, c: number): ResBlockLayers {
  return {
    conv0: { kind: 'conv', name: `${prefix}.block.0`, in: c, out: c, kernel: 3 },
    norm1: { kind: 'norm', name: `${prefix}.block.1`, channels: c },
    conv3: { kind: 'conv', name: `${prefix}.block.3`, in: c, out: c, kernel: 3 },
    norm4: { kind: 'norm', name: `${prefix}.block.4`, channels: c },
  };
}

export interface VaeArchitecture {
  encoder: {
    stages: { conv: ConvLayer; norm: NormLayer; res: ResBlockLayers; stride: number }[];
    mu: ConvLayer;
    logvar: ConvLayer;
  };
  /** In the state dict's order: all four stage convs, then their norms, then their ResBlocks. */
  decoder: {
    convs: ConvTransposeLayer[];
    norms: NormLayer[];
    resBlocks: ResBlockLayers[];
    finalConv: ConvTransposeLayer;
    /** final_conv's stride: undoes a stride-2 first encoder layer. */
    finalStride: number;
  };
}

export function vaeArchitecture(s: VaeShape): VaeArchitecture {
  let inCh = 1;
  const stages = vaeEncoderStages(s).map((st, i) => {
    const p = 'encoder.conv_layers';
    const stage = {
      conv: { kind: 'conv', name: `${p}.${3 * i}`, in: inCh, out: st.out, kernel: st.kernel } as const,
      norm: { kind: 'norm', name: `${p}.${3 * i + 1}`, channels: st.out } as const,
      res: resBlockLayers(`${p}.${3 * i + 2}`, st.out),
      stride: st.stride,
    };
    inCh = st.out;
    return stage;
  });
  const L = s.latentChannels;
  const widths = vaeDecoderWidths(s);
  const stageIndices = [0, 1, 2, 3];
  return {
    encoder: {
      stages,
      mu: { kind: 'conv', name: 'encoder.conv_mu', in: L, out: L, kernel: 1 },
      logvar: { kind: 'conv', name: 'encoder.conv_logvar', in: L, out: L, kernel: 1 },
    },
    decoder: {
      convs: stageIndices.map((i) => ({ kind: 'convTranspose', name: `decoder.convs.${i}`, in: widths[i], out: widths[i + 1], kernel: i === 0 ? 1 : 3 })),
      norms: stageIndices.map((i) => ({ kind: 'norm', name: `decoder.instnorms.${i}`, channels: widths[i + 1] })),
      resBlocks: stageIndices.map((i) => resBlockLayers(`decoder.resblocks.${i}`, widths[i + 1])),
      finalConv: { kind: 'convTranspose', name: 'decoder.final_conv', in: widths[4], out: 1, kernel: 3 },
      finalStride: s.firstLayerDownsample ? 1 : 2,
    },
  };
}

export function vaeLayers(s: VaeShape): Layer[] {
  return architectureLayers(vaeArchitecture(s));
}

/** The feature predictor: fc1 -> fc2 -> fc3 on the flattened latent. */
export interface FeaturePredictorShape {
  inputs: number;
  hidden1: number;
  hidden2: number;
  outputs: number;
}

export interface FeaturePredictorArchitecture {
  fc1: LinearLayer;
  fc2: LinearLayer;
  fc3: LinearLayer;
}

export function featurePredictorArchitecture(s: FeaturePredictorShape): FeaturePredictorArchitecture {
  return {
    fc1: { kind: 'linear', name: 'fc1', in: s.inputs, out: s.hidden1 },
    fc2: { kind: 'linear', name: 'fc2', in: s.hidden1, out: s.hidden2 },
    fc3: { kind: 'linear', name: 'fc3', in: s.hidden2, out: s.outputs },
  };
}

export function featurePredictorLayers(s: FeaturePredictorShape): Layer[] {
  return architectureLayers(featurePredictorArchitecture(s));
}

/** The UNet's GroupNorms split their channels (n_feat and 2 n_feat) into this many groups. */
export const UNET_GROUPS = 8;
/** Two 2x max-pools: the latent's spatial size must be a multiple of this. */
export const UNET_DOWNSAMPLE = 4;

export interface UNetShape {
  latentChannels: number;
  nFeat: number;
  contextSize: number;
}

/** The DDPM schedule buffers of ddpm.pt, one value per timestep. */
export const SCHEDULE_BUFFERS = ['alpha_t', 'oneover_sqrta', 'sqrt_beta_t', 'alphabar_t', 'sqrtab', 'sqrtmab', 'mab_over_sqrtmab'] as const;

/** A UNet ResidualConvBlock (keys conv1.0, conv2.0): two 3x3x3 convs, the first from `in` to `out` channels. */
export interface ResidualConvBlockLayers {
  conv1: ConvLayer;
  conv2: ConvLayer;
}

/** An EmbedFC (keys model.0, model.2): Linear(in, out), GELU, Linear(out, out). */
export interface EmbedLayers {
  fc0: LinearLayer;
  fc2: LinearLayer;
}

/** ddpm.pt: the schedule buffers, then the conditional UNet (keys nn_model.*). */
export interface UNetArchitecture {
  shape: UNetShape;
  timesteps: number;
  schedule: Record<(typeof SCHEDULE_BUFFERS)[number], BufferLayer>;
  net: {
    init: ResidualConvBlockLayers;
    down1: ResidualConvBlockLayers;
    down2: ResidualConvBlockLayers;
    time1: EmbedLayers;
    time2: EmbedLayers;
    ctx1: EmbedLayers;
    ctx2: EmbedLayers;
    up0: ConvTransposeLayer;
    up0Norm: NormLayer;
    up1: ConvTransposeLayer;
    up1Blocks: [ResidualConvBlockLayers, ResidualConvBlockLayers];
    up2: ConvTransposeLayer;
    up2Blocks: [ResidualConvBlockLayers, ResidualConvBlockLayers];
    out0: ConvLayer;
    out1: NormLayer;
    out3: ConvLayer;
  };
}

export function unetArchitecture(shape: UNetShape, timesteps: number): UNetArchitecture {
  const { latentChannels: C, nFeat: n, contextSize: K } = shape;
  const m = 'nn_model';
  const rcb = (p: string, i: number, o: number): ResidualConvBlockLayers => ({
    conv1: { kind: 'conv', name: `${m}.${p}.conv1.0`, in: i, out: o, kernel: 3 },
    conv2: { kind: 'conv', name: `${m}.${p}.conv2.0`, in: o, out: o, kernel: 3 },
  });
  const embed = (p: string, i: number, o: number): EmbedLayers => ({
    fc0: { kind: 'linear', name: `${m}.${p}.model.0`, in: i, out: o },
    fc2: { kind: 'linear', name: `${m}.${p}.model.2`, in: o, out: o },
  });
  const schedule = Object.fromEntries(SCHEDULE_BUFFERS.map((name) => [name, { kind: 'buffer', name, length: timesteps }])) as UNetArchitecture['schedule'];
  return {
    shape,
    timesteps,
    schedule,
    net: {
      init: rcb('init_conv', C, n),
      down1: rcb('down1.model.0', n, n),
      down2: rcb('down2.model.0', n, 2 * n),
      time1: embed('timeembed1', 1, 2 * n),
      time2: embed('timeembed2', 1, n),
      ctx1: embed('contextembed1', K, 2 * n),
      ctx2: embed('contextembed2', K, n),
      up0: { kind: 'convTranspose', name: `${m}.up0.0`, in: 2 * n, out: 2 * n, kernel: 1 },
      up0Norm: { kind: 'norm', name: `${m}.up0.1`, channels: 2 * n },
      up1: { kind: 'convTranspose', name: `${m}.up1.model.0`, in: 4 * n, out: n, kernel: 2 },
      up1Blocks: [rcb('up1.model.1', n, n), rcb('up1.model.2', n, n)],
      up2: { kind: 'convTranspose', name: `${m}.up2.model.0`, in: 2 * n, out: n, kernel: 2 },
      up2Blocks: [rcb('up2.model.1', n, n), rcb('up2.model.2', n, n)],
      out0: { kind: 'conv', name: `${m}.out.0`, in: 2 * n, out: n, kernel: 3 },
      out1: { kind: 'norm', name: `${m}.out.1`, channels: n },
      out3: { kind: 'conv', name: `${m}.out.3`, in: n, out: C, kernel: 3 },
    },
  };
}

/** The tensors of ddpm.pt: the schedule buffers, then the UNet's. */
export function unetLayers(shape: UNetShape, timesteps: number): Layer[] {
  return architectureLayers(unetArchitecture(shape, timesteps));
}

/** The widths a VAE file carries (the first-layer stride it does not: it is a setting). */
export function inferVaeWidths(w: WeightSet): { latentChannels: number; maxChannels: number } {
  const first = w.get('decoder.convs.0.weight', [-1, -1, 1, 1, 1]);
  return { latentChannels: first.shape[0], maxChannels: first.shape[1] };
}

export function inferFeaturePredictorShape(w: WeightSet): FeaturePredictorShape {
  const fc1 = w.get('fc1.weight', [-1, -1]);
  const fc2 = w.get('fc2.weight', [-1, fc1.shape[0]]);
  const fc3 = w.get('fc3.weight', [-1, fc2.shape[0]]);
  return { inputs: fc1.shape[1], hidden1: fc1.shape[0], hidden2: fc2.shape[0], outputs: fc3.shape[0] };
}

export function inferUnetShape(w: WeightSet): { shape: UNetShape; timesteps: number } {
  const init = w.get('nn_model.init_conv.conv1.0.weight', [-1, -1, 3, 3, 3]);
  const ctx = w.get('nn_model.contextembed1.model.0.weight', [-1, -1]);
  const timesteps = w.get('oneover_sqrta', [-1]).shape[0];
  return { shape: { nFeat: init.shape[0], latentChannels: init.shape[1], contextSize: ctx.shape[1] }, timesteps };
}

/**
 * Checks that `w` holds exactly the tensors of `layers`: each present with
 * its shape (FormatError naming the file and tensor) and nothing else.
 */
export function checkArchitecture(w: WeightSet, layers: readonly Layer[]): void {
  const expected = new Set<string>();
  for (const t of layers.flatMap(layerTensors)) {
    w.get(t.name, t.shape);
    expected.add(t.name);
  }
  const extra = w.names().filter((n) => !expected.has(n));
  if (extra.length) {
    throw new FormatError(w.file, `unexpected tensors for this architecture: ${extra.slice(0, 5).map(quote).join(', ')}${extra.length > 5 ? ', ...' : ''}`);
  }
}
