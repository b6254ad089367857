import { UsageError } from './errors.js';
import type { HostTensor } from './io/host-tensor.js';
import { writeSafetensors } from './io/safetensors.js';
import { vaeDownsampleFactor, type ModelConfig, type Shape4 } from './models/config.js';
import { SCHEDULE_BUFFERS } from './models/sampler.js';
import { UNet } from './models/unet.js';
import { WeightSet } from './models/weights.js';

export interface CheckpointSet {
  vae?: WeightSet;
  fp?: WeightSet;
  ddpm?: WeightSet;
}

/** What the weights cannot tell: from a preset, flags or a fixture's config.json. */
export interface ConvertSettings {
  variant: string;
  imageShape?: Shape4;
  latentShape?: Shape4;
  firstLayerDownsample?: boolean;
  attributes?: string[];
  contextAttributes?: string[];
  attributeRanges?: Record<string, [number, number]>;
}

export interface ConvertedModel {
  config: ModelConfig;
  /** File name -> bytes, model.json included. */
  files: Map<string, Uint8Array>;
}

function mismatch(file: string, tensor: string, what: string): UsageError {
  return new UsageError(`${file}: tensor '${tensor}' ${what}`);
}

/**
 * Infers every width from the tensors, cross-checks them with the settings
 * and with each other, and packs the weights as safetensors.
 */
export function convertCheckpoints(ckpt: CheckpointSet, s: ConvertSettings): ConvertedModel {
  if (!ckpt.vae && !ckpt.fp && !ckpt.ddpm) throw new UsageError('convert: no checkpoint given (vae.pt, fp.pt, ddpm.pt)');
  let latentChannels: number | undefined;
  let maxChannels = 0;
  let nFeat = 0;
  let timesteps = 0;
  let contextSize: number | undefined;

  if (ckpt.vae) {
    const w = ckpt.vae;
    const first = w.get('decoder.convs.0.weight', [-1, -1, 1, 1, 1]);
    latentChannels = first.shape[0];
    maxChannels = first.shape[1];
    w.get('encoder.conv_mu.weight', [latentChannels, latentChannels, 1, 1, 1]);
  }
  if (ckpt.ddpm) {
    const w = ckpt.ddpm;
    const u = UNet.inferShape(w);
    if (latentChannels !== undefined && u.latentChannels !== latentChannels) {
      throw mismatch(w.file, 'nn_model.init_conv.conv1.0.weight', `takes ${u.latentChannels} latent channels, the VAE makes ${latentChannels}`);
    }
    latentChannels = u.latentChannels;
    nFeat = u.nFeat;
    contextSize = u.contextSize;
    timesteps = w.get('oneover_sqrta', [-1]).shape[0];
    for (const name of SCHEDULE_BUFFERS) w.get(name, [timesteps]);
  }

  const latentShape = s.latentShape;
  if (!latentShape) throw new UsageError(`convert: the latent shape is not in the weights; give a preset or --latent-shape C,D,H,W`);
  if (latentChannels !== undefined && latentShape[0] !== latentChannels) {
    throw new UsageError(`convert: --latent-shape has ${latentShape[0]} channels but the weights have ${latentChannels}`);
  }
  const firstLayerDownsample = s.firstLayerDownsample ?? false;
  const factor = vaeDownsampleFactor(firstLayerDownsample);
  const imageShape: Shape4 = s.imageShape ?? [1, latentShape[1] * factor, latentShape[2] * factor, latentShape[3] * factor];
  if (ckpt.vae && imageShape.slice(1).some((v, i) => v !== latentShape[i + 1] * factor)) {
    throw new UsageError(
      `convert: image shape [${imageShape}] and latent shape [${latentShape}] need a downsampling factor of ${factor} ` +
        `(first_layer_downsample ${firstLayerDownsample})`,
    );
  }

  const latentSize = latentShape.reduce((a, b) => a * b, 1);
  let outputs: number | undefined;
  if (ckpt.fp) {
    const w = ckpt.fp;
    const fc1 = w.get('fc1.weight', [-1, -1]);
    if (fc1.shape[1] !== latentSize) throw mismatch(w.file, 'fc1.weight', `takes ${fc1.shape[1]} inputs, the latent [${latentShape}] has ${latentSize}`);
    outputs = w.get('fc3.weight', [-1, -1]).shape[0];
  }
  const attributes = s.attributes ?? Array.from({ length: outputs ?? contextSize ?? 0 }, (_, i) => `attribute_${i}`);
  if (outputs !== undefined && attributes.length !== outputs) {
    throw mismatch(ckpt.fp!.file, 'fc3.weight', `predicts ${outputs} attributes, but ${attributes.length} names were given (${attributes})`);
  }
  const contextAttributes = s.contextAttributes ?? attributes.slice(0, contextSize);
  if (contextSize !== undefined && contextAttributes.length !== contextSize) {
    throw mismatch(
      ckpt.ddpm!.file,
      'nn_model.contextembed1.model.0.weight',
      `takes ${contextSize} context values, but ${contextAttributes.length} context attributes were given (${contextAttributes})`,
    );
  }

  const unknownRanges = Object.keys(s.attributeRanges ?? {}).filter((a) => !attributes.includes(a));
  if (unknownRanges.length) throw new UsageError(`convert: ranges given for ${unknownRanges.join(', ')}, which are not attributes (${attributes.join(', ')})`);

  const files = new Map<string, Uint8Array>();
  const names: ModelConfig['files'] = {};
  for (const part of ['vae', 'fp', 'ddpm'] as const) {
    const w = ckpt[part];
    if (!w) continue;
    const tensors = new Map<string, HostTensor>(w.names().map((n) => [n, w.get(n)]));
    names[part] = `${part}.safetensors`;
    files.set(names[part]!, writeSafetensors(tensors, { source: w.file }));
  }
  const config: ModelConfig = {
    format: 'mg3d-model',
    version: 1,
    variant: s.variant,
    imageShape,
    latentShape,
    firstLayerDownsample,
    vaeMaxChannels: maxChannels,
    nFeat,
    timesteps,
    attributes,
    contextAttributes,
    ...(s.attributeRanges && { attributeRanges: s.attributeRanges }),
    files: names,
  };
  files.set('model.json', new TextEncoder().encode(JSON.stringify(config, null, 2) + '\n'));
  return { config, files };
}
