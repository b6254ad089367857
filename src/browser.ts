/**
 * The engine's browser entry: the JS API over navigator.gpu. It shares every
 * kernel and model with the Node entry (src/index.ts) and imports nothing that
 * needs Node; the esbuild browser bundle fails if a node: import sneaks in.
 */
import { MicroGen3D } from './microgen3d.js';
import { createBrowserRuntime } from './runtime/browser.js';
import type { Runtime } from './runtime/index.js';
import type { Precision } from './models/precision.js';
import { fileSource, type ModelSource } from './sources.js';

export interface BrowserLoadOptions {
  /** Share a runtime between models; by default each model gets its own and dispose() destroys it. */
  runtime?: Runtime;
  /** 'f16': the UNet's convolutions store weights and inputs as f16 and sum in f32. Default 'f32'. */
  precision?: Precision;
}

/** Loads a converted model from URLs or file buffers (e.g. from a file picker). */
export async function loadModel(source: ModelSource, options: BrowserLoadOptions = {}): Promise<MicroGen3D> {
  const runtime = options.runtime ?? (await createBrowserRuntime());
  return MicroGen3D.load(runtime, fileSource(source), { ownsRuntime: !options.runtime, precision: options.precision });
}

export { MicroGen3D, consecutiveGroups, threshold } from './microgen3d.js';
export type { GenerateOptions, GenerateProgress, GeneratedSample } from './microgen3d.js';
export type { ModelConfig } from './models/config.js';
export type { Precision } from './models/precision.js';
export { SAMPLERS, DEFAULT_STEPS } from './models/sampler-schedule.js';
export type { SamplerName, SamplerSettings } from './models/sampler-schedule.js';
export type { HostTensor } from './io/host-tensor.js';
export type { ModelSource } from './sources.js';
export { createBrowserRuntime } from './runtime/browser.js';
export { Runtime, NO_ADAPTER_HELP } from './runtime/index.js';
export type { AdapterSummary, MemoryStats } from './runtime/index.js';
export { checkFixture, relativeError } from './check.js';
export type { OptionalFileSource, TensorCheck } from './check.js';
export { convertCheckpoints } from './convert.js';
export type { CheckpointSet, ConvertSettings, ConvertedModel } from './convert.js';
export { randomCheckpoints, randomModelFiles, TINY_MODEL } from './models/random-model.js';
export type { RandomModelShape } from './models/random-model.js';
export { readTorchCheckpoint } from './io/torch-checkpoint.js';
export { readSafetensors, writeSafetensors } from './io/safetensors.js';
export { writeVti, readVti } from './io/vti.js';
export { writeNpy, readNpy } from './io/npy.js';
export { measureDescriptors, descriptorNames } from './descriptors/index.js';
export type { Descriptors, MeasureOptions, PhaseVolume } from './descriptors/index.js';
export { FormatError, UsageError, GpuError } from './errors.js';
