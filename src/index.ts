/**
 * The engine's Node entry: the JS API over Dawn (npm `webgpu`).
 * The browser entry is src/browser.ts; both share everything else.
 */
import { readModelFile } from './io/node-files.js';
import { MicroGen3D } from './microgen3d.js';
import { createNodeRuntime } from './runtime/node.js';
import type { NodeGpuOptions } from './runtime/node-gpu.js';
import type { Runtime } from './runtime/index.js';
import type { Precision } from './models/precision.js';
import { fileSource, type ModelSource } from './sources.js';

export interface LoadOptions extends NodeGpuOptions {
  /** Share a runtime between models; by default each model gets its own and dispose() destroys it. */
  runtime?: Runtime;
  /** 'f16': the UNet's convolutions store weights and inputs as f16 and sum in f32. Default 'f32'. */
  precision?: Precision;
}

/** Loads a converted model from a folder path, URLs, or file buffers. */
export async function loadModel(source: string | ModelSource, options: LoadOptions = {}): Promise<MicroGen3D> {
  const read = typeof source === 'string' ? (name: string) => readModelFile(source, name) : fileSource(source);
  const runtime = options.runtime ?? (await createNodeRuntime(options));
  return MicroGen3D.load(runtime, read, { ownsRuntime: !options.runtime, precision: options.precision });
}

export { MicroGen3D, consecutiveGroups, threshold } from './microgen3d.js';
export type { GenerateOptions, GenerateProgress, GeneratedSample } from './microgen3d.js';
export type { ModelConfig } from './models/config.js';
export type { Precision } from './models/precision.js';
export { SAMPLERS, DEFAULT_STEPS } from './models/sampler-schedule.js';
export type { SamplerName, SamplerSettings } from './models/sampler-schedule.js';
export type { HostTensor } from './io/host-tensor.js';
export type { ModelSource } from './sources.js';
export { createNodeRuntime } from './runtime/node.js';
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
