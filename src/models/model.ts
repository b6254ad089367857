import { FormatError, quote, UsageError } from '../errors.js';
import { MODEL_CONFIG_FILE } from '../io/model-files.js';
import { readSafetensors } from '../io/safetensors.js';
import { checkSubgroupMatrixGemms } from '../ops/subgroup-matrix-check.js';
import type { Runtime, Scope } from '../runtime/index.js';
import type { Precision } from './precision.js';
import type { TrainedSchedule } from './sampler-schedule.js';
import {
  architectureLayers,
  checkArchitecture,
  featurePredictorArchitecture,
  inferFeaturePredictorShape,
  inferUnetShape,
  unetArchitecture,
  vaeArchitecture,
} from './architecture.js';
import { validateConfig, type ModelConfig } from './config.js';
import { FeaturePredictor } from './feature-predictor.js';
import { loadSchedule } from './sampler.js';
import { UNet } from './unet.js';
import { VaeDecoder, VaeEncoder } from './vae.js';
import { WeightSet } from './weights.js';

/**
 * Reads one file of a model folder by name (Node: fs; browser: fetch or a File).
 * Names are model.json or ones it lists, checked to be plain file names first;
 * a source refuses a file above its size limit (io/model-files.ts) before reading it.
 */
export type FileSource = (name: string) => Promise<Uint8Array>;

/** A converted model's networks, on the GPU. Parts whose weights are absent are undefined. */
export interface LoadedNetworks {
  config: ModelConfig;
  /** Owns every weight uploaded: dispose() it to free them. */
  scope: Scope;
  encoder?: VaeEncoder;
  decoder?: VaeDecoder;
  featurePredictor?: FeaturePredictor;
  unet?: UNet;
  schedule?: TrainedSchedule;
}

export async function readModelConfig(read: FileSource): Promise<ModelConfig> {
  const bytes = await read(MODEL_CONFIG_FILE);
  let config: ModelConfig;
  try {
    config = JSON.parse(new TextDecoder().decode(bytes)) as ModelConfig;
  } catch (e) {
    throw new FormatError(MODEL_CONFIG_FILE, `not valid JSON (${quote((e as Error).message)})`);
  }
  validateConfig(config, MODEL_CONFIG_FILE);
  return config;
}

async function weightSet(read: FileSource, file: string): Promise<WeightSet> {
  return new WeightSet(file, readSafetensors(await read(file), file).tensors);
}

/** `precision` applies to the UNet, the denoiser that takes ~99.5% of the time; the VAE and FP stay f32. */
export async function loadNetworks(rt: Runtime, read: FileSource, precision: Precision = 'f32'): Promise<LoadedNetworks> {
  const config = await readModelConfig(read);
  // Refusals show in describeSubgroupMatrices (the adapter lines of mg3d check and generate).
  await checkSubgroupMatrixGemms(rt);
  const scope = rt.scope();
  try {
    return await loadInto(scope, config, read, precision);
  } catch (e) {
    scope.dispose();
    throw e;
  }
}

async function loadInto(scope: Scope, config: ModelConfig, read: FileSource, precision: Precision): Promise<LoadedNetworks> {
  const out: LoadedNetworks = { config, scope };
  const { files } = config;
  // Each file is checked against its architecture, then loaded by the same spec.
  if (files.vae) {
    const w = await weightSet(read, files.vae);
    const spec = vaeArchitecture({ latentChannels: config.latentShape[0], maxChannels: config.vaeMaxChannels, firstLayerDownsample: config.firstLayerDownsample });
    checkArchitecture(w, architectureLayers(spec));
    out.decoder = VaeDecoder.load(scope, w, spec.decoder);
    out.encoder = VaeEncoder.load(scope, w, spec.encoder);
  }
  if (files.fp) {
    const w = await weightSet(read, files.fp);
    // The hidden widths come from the file; its input and output sizes must be model.json's.
    const inputs = config.latentShape.reduce((a, b) => a * b, 1);
    const spec = featurePredictorArchitecture({ ...inferFeaturePredictorShape(w), inputs, outputs: config.attributes.length });
    checkArchitecture(w, architectureLayers(spec));
    out.featurePredictor = FeaturePredictor.load(scope, w, spec);
  }
  if (files.ddpm) {
    const w = await weightSet(read, files.ddpm);
    const { shape, timesteps } = inferUnetShape(w);
    const spec = unetArchitecture(shape, timesteps);
    checkArchitecture(w, architectureLayers(spec));
    out.unet = UNet.load(scope, w, spec, config.latentShape.slice(1), precision);
    out.schedule = loadSchedule(w, spec);
    if (shape.contextSize !== config.contextAttributes.length) {
      throw new UsageError(`${files.ddpm}: the UNet takes ${shape.contextSize} context values, model.json names ${config.contextAttributes.length}`);
    }
  }
  await scope.runtime.sync();
  return out;
}
