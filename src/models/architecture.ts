// The networks' architectures, stated once: every layer's state-dict name,
// shape and role, from the widths the weights carry. Loading checks a weight
// file against it (names, shapes, nothing extra), random-model.ts builds
// weights from it, and convert.ts infers the widths and checks every file
// with it, together with the shape rules the engine's kernels impose.
import { FormatError, quote } from '../errors.js';
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

function resBlockLayers(prefix: string, c: number): Layer[] {
  return [
    { kind: 'conv', name: `${prefix}.block.0`, in: c, out: c, kernel: 3 },
    { kind: 'norm', name: `${prefix}.block.1`, channels: c },
    { kind: 'conv', name: `${prefix}.block.3`, in: c, out: c, kernel: 3 },
    { kind: 'norm', name: `${prefix}.block.4`, channels: c },
  ];
}

export function vaeLayers(s: VaeShape): Layer[] {
  const layers: Layer[] = [];
  let inCh = 1;
  vaeEncoderStages(s).forEach((st, i) => {
    const p = `encoder.conv_layers.${3 * i}`;
    layers.push({ kind: 'conv', name: p, in: inCh, out: st.out, kernel: st.kernel });
    layers.push({ kind: 'norm', name: `encoder.conv_layers.${3 * i + 1}`, channels: st.out });
    layers.push(...resBlockLayers(`encoder.conv_layers.${3 * i + 2}`, st.out));
    inCh = st.out;
  });
  const L = s.latentChannels;
  layers.push({ kind: 'conv', name: 'encoder.conv_mu', in: L, out: L, kernel: 1 });
  layers.push({ kind: 'conv', name: 'encoder.conv_logvar', in: L, out: L, kernel: 1 });
  const widths = vaeDecoderWidths(s);
  const stages = [0, 1, 2, 3];
  // The state dict's order: all four convs, then the norms, then the ResBlocks.
  layers.push(...stages.map((i): Layer => ({ kind: 'convTranspose', name: `decoder.convs.${i}`, in: widths[i], out: widths[i + 1], kernel: i === 0 ? 1 : 3 })));
  layers.push(...stages.map((i): Layer => ({ kind: 'norm', name: `decoder.instnorms.${i}`, channels: widths[i + 1] })));
  layers.push(...stages.flatMap((i) => resBlockLayers(`decoder.resblocks.${i}`, widths[i + 1])));
  layers.push({ kind: 'convTranspose', name: 'decoder.final_conv', in: 64, out: 1, kernel: 3 });
  return layers;
}

/** The feature predictor: fc1 -> fc2 -> fc3 on the flattened latent. */
export interface FeaturePredictorShape {
  inputs: number;
  hidden1: number;
  hidden2: number;
  outputs: number;
}

export function featurePredictorLayers(s: FeaturePredictorShape): Layer[] {
  return [
    { kind: 'linear', name: 'fc1', in: s.inputs, out: s.hidden1 },
    { kind: 'linear', name: 'fc2', in: s.hidden1, out: s.hidden2 },
    { kind: 'linear', name: 'fc3', in: s.hidden2, out: s.outputs },
  ];
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

/** The conditional UNet (keys nn_model.*) and the schedule buffers of ddpm.pt. */
export function unetLayers(s: UNetShape, timesteps: number): Layer[] {
  const { latentChannels: C, nFeat: n, contextSize: K } = s;
  const m = 'nn_model';
  const rcb = (p: string, i: number, o: number): Layer[] => [
    { kind: 'conv', name: `${m}.${p}.conv1.0`, in: i, out: o, kernel: 3 },
    { kind: 'conv', name: `${m}.${p}.conv2.0`, in: o, out: o, kernel: 3 },
  ];
  const embed = (p: string, i: number, o: number): Layer[] => [
    { kind: 'linear', name: `${m}.${p}.model.0`, in: i, out: o },
    { kind: 'linear', name: `${m}.${p}.model.2`, in: o, out: o },
  ];
  return [
    ...SCHEDULE_BUFFERS.map((name): Layer => ({ kind: 'buffer', name, length: timesteps })),
    ...rcb('init_conv', C, n),
    ...rcb('down1.model.0', n, n),
    ...rcb('down2.model.0', n, 2 * n),
    ...embed('timeembed1', 1, 2 * n),
    ...embed('timeembed2', 1, n),
    ...embed('contextembed1', K, 2 * n),
    ...embed('contextembed2', K, n),
    { kind: 'convTranspose', name: `${m}.up0.0`, in: 2 * n, out: 2 * n, kernel: 1 },
    { kind: 'norm', name: `${m}.up0.1`, channels: 2 * n },
    { kind: 'convTranspose', name: `${m}.up1.model.0`, in: 4 * n, out: n, kernel: 2 },
    ...rcb('up1.model.1', n, n),
    ...rcb('up1.model.2', n, n),
    { kind: 'convTranspose', name: `${m}.up2.model.0`, in: 2 * n, out: n, kernel: 2 },
    ...rcb('up2.model.1', n, n),
    ...rcb('up2.model.2', n, n),
    { kind: 'conv', name: `${m}.out.0`, in: 2 * n, out: n, kernel: 3 },
    { kind: 'norm', name: `${m}.out.1`, channels: n },
    { kind: 'conv', name: `${m}.out.3`, in: n, out: C, kernel: 3 },
  ];
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
