import { UsageError } from './errors.js';
import type { HostTensor } from './io/host-tensor.js';
import { writeSafetensors } from './io/safetensors.js';
import {
  checkArchitecture,
  featurePredictorLayers,
  inferFeaturePredictorShape,
  inferUnetShape,
  inferVaeWidths,
  UNET_DOWNSAMPLE,
  UNET_GROUPS,
  unetLayers,
  vaeDownsampleFactor,
  vaeLayers,
} from './models/architecture.js';
import type { ModelConfig, Shape4 } from './models/config.js';
import type { WeightSet } from './models/weights.js';

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
    ({ latentChannels, maxChannels } = inferVaeWidths(ckpt.vae));
  }
  if (ckpt.ddpm) {
    const w = ckpt.ddpm;
    const u = inferUnetShape(w);
    if (latentChannels !== undefined && u.shape.latentChannels !== latentChannels) {
      throw mismatch(w.file, 'nn_model.init_conv.conv1.0.weight', `takes ${u.shape.latentChannels} latent channels, the VAE makes ${latentChannels}`);
    }
    latentChannels = u.shape.latentChannels;
    nFeat = u.shape.nFeat;
    contextSize = u.shape.contextSize;
    timesteps = u.timesteps;
    checkArchitecture(w, unetLayers(u.shape, timesteps));
  }

  const latentShape = s.latentShape;
  if (!latentShape) throw new UsageError(`convert: the latent shape is not in the weights; give a preset or --latent-shape C,D,H,W`);
  if (latentChannels !== undefined && latentShape[0] !== latentChannels) {
    throw new UsageError(`convert: --latent-shape has ${latentShape[0]} channels but the weights have ${latentChannels}`);
  }
  const firstLayerDownsample = s.firstLayerDownsample ?? false;
  if (ckpt.vae) checkArchitecture(ckpt.vae, vaeLayers({ latentChannels: latentShape[0], maxChannels, firstLayerDownsample }));
  if (ckpt.ddpm) checkUnetRuns(latentShape, nFeat, timesteps);
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
    const fp = inferFeaturePredictorShape(w);
    if (fp.inputs !== latentSize) throw mismatch(w.file, 'fc1.weight', `takes ${fp.inputs} inputs, the latent [${latentShape}] has ${latentSize}`);
    checkArchitecture(w, featurePredictorLayers(fp));
    outputs = fp.outputs;
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

/**
 * The shapes the engine's UNet kernels take: two 2x max-pools (and the
 * transposed convs undoing them) need a latent a multiple of 4 along every
 * axis, the GroupNorms n_feat channels in 8 groups, the sampler two steps.
 */
function checkUnetRuns(latentShape: Shape4, nFeat: number, timesteps: number): void {
  const [, ...spatial] = latentShape;
  if (spatial.some((n) => n % UNET_DOWNSAMPLE)) {
    throw new UsageError(
      `convert: the UNet needs a latent whose D, H and W are multiples of ${UNET_DOWNSAMPLE} (it pools twice by 2), got [${latentShape}]`,
    );
  }
  if (nFeat % UNET_GROUPS) throw new UsageError(`convert: the UNet's width ${nFeat} is not a multiple of its ${UNET_GROUPS} GroupNorm groups`);
  if (timesteps < 2) throw new UsageError(`convert: the DDPM schedule has ${timesteps} steps; sampling needs at least 2`);
}
