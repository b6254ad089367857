import { convertCheckpoints, type CheckpointSet } from './convert.js';
import { FormatError, quote } from './errors.js';
import type { HostTensor } from './io/host-tensor.js';
import { readSafetensors } from './io/safetensors.js';
import { readTorchCheckpoint } from './io/torch-checkpoint.js';
import type { Shape4 } from './models/config.js';
import { loadNetworks, type LoadedNetworks } from './models/model.js';
import type { Precision } from './models/precision.js';
import { SamplerPlan, samplerRun } from './models/sampler.js';
import { seededVaeWeights } from './models/random-model.js';
import { samplerSettings } from './models/sampler-schedule.js';
import { WeightSet } from './models/weights.js';
import { RecordedGraph, type Runtime, type Tensor } from './runtime/index.js';

/** Reads a fixture file by name; undefined when the folder has no such file. */
export type OptionalFileSource = (name: string) => Promise<Uint8Array | undefined>;

export interface TensorCheck {
  name: string;
  relativeError: number;
}

/** ||out - expected|| / ||expected||, accumulated in float64. */
export function relativeError(out: Float32Array, expected: Float32Array): number {
  if (out.length !== expected.length) throw new Error(`size ${out.length} vs expected ${expected.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < out.length; i++) {
    const d = out[i] - expected[i];
    num += d * d;
    den += expected[i] * expected[i];
  }
  return den === 0 ? (num === 0 ? 0 : Infinity) : Math.sqrt(num / den);
}

/** The fields of a fixture's config.json that conversion needs (fixtures/README.md). */
interface FixtureConfig {
  image_shape?: Shape4;
  latent_shape: Shape4;
  vae_first_layer_downsample?: boolean;
  vae_max_channels?: number;
  /** In place of vae.pt: the VAE's weights are seededVaeWeights' with this seed (too big to commit, made again here). */
  vae_weights_seed?: number;
  fp_output_size?: number;
  ddpm_context_indices?: number[];
}

/** The fixture's config.json, with every field conversion relies on checked: one FormatError naming each problem. */
function readFixtureConfig(bytes: Uint8Array): FixtureConfig {
  let cfg: FixtureConfig;
  try {
    cfg = JSON.parse(new TextDecoder().decode(bytes)) as FixtureConfig;
  } catch (e) {
    throw new FormatError('config.json', `not valid JSON (${quote((e as Error).message)})`);
  }
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new FormatError('config.json', 'is not a JSON object');
  const isPositive = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;
  const isShape = (v: unknown) => Array.isArray(v) && v.length === 4 && v.every(isPositive);
  const problems: string[] = [];
  if (cfg.latent_shape === undefined) problems.push('has no latent_shape');
  else if (!isShape(cfg.latent_shape)) problems.push('latent_shape must be 4 positive integers (C, D, H, W)');
  if (cfg.image_shape !== undefined && !isShape(cfg.image_shape)) problems.push('image_shape must be 4 positive integers (C, D, H, W)');
  if (cfg.vae_first_layer_downsample !== undefined && typeof cfg.vae_first_layer_downsample !== 'boolean') {
    problems.push('vae_first_layer_downsample must be true or false');
  }
  if (cfg.vae_max_channels !== undefined && !isPositive(cfg.vae_max_channels)) problems.push('vae_max_channels must be a positive integer');
  // The seeded stream (src/models/random-model.ts) takes a 32-bit seed.
  const seed: unknown = cfg.vae_weights_seed;
  if (seed !== undefined && !(Number.isSafeInteger(seed) && (seed as number) >= 0 && (seed as number) < 2 ** 32)) {
    problems.push('vae_weights_seed must be an integer in [0, 2^32)');
  } else if (seed !== undefined && cfg.vae_max_channels === undefined) {
    problems.push('names vae_weights_seed but no vae_max_channels');
  }
  if (problems.length) throw new FormatError('config.json', problems.join('; '));
  return cfg;
}

/** The VAE a config naming vae_weights_seed stands for (readFixtureConfig made sure it names vae_max_channels too). */
function seededFixtureVae(cfg: FixtureConfig, seed: number): WeightSet {
  const firstLayerDownsample = cfg.vae_first_layer_downsample ?? false;
  return seededVaeWeights({ latentChannels: cfg.latent_shape[0], maxChannels: cfg.vae_max_channels!, firstLayerDownsample }, seed);
}

async function loadFixtureNetworks(rt: Runtime, read: OptionalFileSource, precision: Precision): Promise<LoadedNetworks> {
  const configBytes = await read('config.json');
  if (!configBytes) throw new FormatError('config.json', 'missing from the fixture folder');
  const cfg = readFixtureConfig(configBytes);
  const ckpt: CheckpointSet = {};
  for (const part of ['vae', 'fp', 'ddpm'] as const) {
    const bytes = await read(`${part}.pt`);
    if (bytes) ckpt[part] = new WeightSet(`${part}.pt`, readTorchCheckpoint(bytes, `${part}.pt`));
  }
  if (cfg.vae_weights_seed !== undefined) {
    if (ckpt.vae) throw new FormatError('config.json', 'names vae_weights_seed, but the folder also has vae.pt: keep one');
    ckpt.vae = seededFixtureVae(cfg, cfg.vae_weights_seed);
  }
  const contextIdx = cfg.ddpm_context_indices;
  const count = Math.max(cfg.fp_output_size ?? 0, ...(contextIdx ?? []).map((i) => i + 1));
  const attributes = Array.from({ length: count }, (_, i) => `attribute_${i}`);
  const converted = convertCheckpoints(ckpt, {
    variant: 'fixture',
    imageShape: cfg.image_shape,
    latentShape: cfg.latent_shape,
    firstLayerDownsample: cfg.vae_first_layer_downsample,
    attributes: cfg.fp_output_size !== undefined ? attributes : undefined,
    contextAttributes: contextIdx?.map((i) => attributes[i]),
  });
  return loadNetworks(
    rt,
    async (name) => {
      const f = converted.files.get(name);
      if (!f) throw new FormatError(name, 'not produced by conversion');
      return f;
    },
    precision,
  );
}

export const FIXTURE_CASES = ['encoder', 'decoder', 'fp', 'unet', 'sample'] as const;

export interface CheckOptions {
  /** Run only these cases (default: every case present). */
  cases?: readonly string[];
  /** How the UNet runs (default f32). */
  precision?: Precision;
  onResult?: (r: TensorCheck) => void;
  onProgress?: (message: string) => void;
}

/**
 * Converts a fixture folder's .pt files, runs every case present in
 * cases.safetensors (or the chosen ones) and reports each expected tensor's
 * relative error.
 */
export async function checkFixture(rt: Runtime, read: OptionalFileSource, options: CheckOptions = {}): Promise<TensorCheck[]> {
  const { onResult = () => {}, onProgress = () => {} } = options;
  const casesBytes = await read('cases.safetensors');
  if (!casesBytes) throw new FormatError('cases.safetensors', 'missing from the fixture folder');
  const cases = readSafetensors(casesBytes, 'cases.safetensors').tensors;
  const present = FIXTURE_CASES.filter((c) => [...cases.keys()].some((k) => k.startsWith(`${c}.`)));
  const unknown = (options.cases ?? []).filter((c) => !present.includes(c as (typeof FIXTURE_CASES)[number]));
  if (unknown.length) throw new FormatError('cases.safetensors', `has no case ${unknown.join(', ')} (it has ${present.join(', ')})`);
  const run = (c: (typeof FIXTURE_CASES)[number]) => present.includes(c) && (!options.cases || options.cases.includes(c));
  const nets = await loadFixtureNetworks(rt, read, options.precision ?? 'f32');
  try {
    return await runCases(rt, nets, cases, run, onResult, onProgress);
  } finally {
    nets.scope.dispose();
  }
}

async function runCases(
  rt: Runtime,
  nets: LoadedNetworks,
  cases: Map<string, HostTensor>,
  run: (c: (typeof FIXTURE_CASES)[number]) => boolean,
  onResult: (r: TensorCheck) => void,
  onProgress: (message: string) => void,
): Promise<TensorCheck[]> {
  const results: TensorCheck[] = [];
  const tensor = (name: string): HostTensor => {
    const t = cases.get(name);
    if (!t) throw new FormatError('cases.safetensors', `missing tensor '${name}'`);
    return t;
  };
  const up = (name: string) => {
    const t = tensor(name);
    return nets.scope.upload(t.data, t.shape);
  };
  const compare = (name: string, out: Float32Array) => {
    const r = { name, relativeError: relativeError(out, tensor(name).data) };
    results.push(r);
    onResult(r);
  };
  const need = <T>(part: T | undefined, what: string, caseName: string): T => {
    if (!part) throw new FormatError('cases.safetensors', `case '${caseName}' needs ${what}, which the folder lacks`);
    return part;
  };

  if (run('encoder')) {
    const enc = need(nets.encoder, 'vae.pt', 'encoder');
    const r = await RecordedGraph.evaluateOnce(rt, { x: tensor('encoder.x') }, (g, { x }) => enc.build(g, x));
    compare('encoder.mu', r.mu);
    compare('encoder.logvar', r.logvar);
  }
  if (run('decoder')) {
    const dec = need(nets.decoder, 'vae.pt', 'decoder');
    compare('decoder.out', (await RecordedGraph.evaluateOnce(rt, { z: tensor('decoder.z') }, (g, { z }) => ({ out: dec.build(g, z) }))).out);
  }
  if (run('fp')) {
    const fp = need(nets.featurePredictor, 'fp.pt', 'fp');
    compare('fp.out', (await RecordedGraph.evaluateOnce(rt, { z: tensor('fp.z') }, (g, { z }) => ({ out: fp.build(g, z) }))).out);
  }
  if (run('unet')) {
    const unet = need(nets.unet, 'ddpm.pt', 'unet');
    const inputs = { x: tensor('unet.x'), t: tensor('unet.t'), c: tensor('unet.context') };
    compare('unet.out', (await RecordedGraph.evaluateOnce(rt, inputs, (g, { x, t, c }) => ({ out: unet.build(g, x, t, c) }))).out);
  }
  if (run('sample')) await checkSample(rt, nets, tensor, up, compare, cases, onProgress);
  return results;
}

async function checkSample(
  rt: Runtime,
  nets: LoadedNetworks,
  tensor: (name: string) => HostTensor,
  up: (name: string) => Tensor,
  compare: (name: string, out: Float32Array) => void,
  cases: Map<string, HostTensor>,
  onProgress: (message: string) => void,
): Promise<void> {
  const unet = nets.unet;
  const schedule = nets.schedule;
  if (!unet || !schedule) throw new FormatError('cases.safetensors', "case 'sample' needs ddpm.pt, which the folder lacks");
  const xT = tensor('sample.x_T');
  const batch = xT.shape[0];
  const plan = new SamplerPlan(rt, unet, schedule, xT.shape.slice(1), batch, 'eps', { kind: 'buffer', noise: up('sample.noise') });
  const ddpm = samplerRun(schedule, samplerSettings(schedule.timesteps, {}));
  try {
    plan.start(ddpm, { context: tensor('sample.context').data, sampleOffset: 0, seed: 0, xT: xT.data });
    const marks = [...cases.keys()]
      .map((k) => /^sample\.x_after_step_(\d+)$/.exec(k))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => b - a);
    const total = plan.remaining;
    let done = 0;
    const progress = (n: number) => {
      done += n;
      onProgress(`sample: step ${done}/${total}`);
    };
    for (const i of marks) {
      // The DDPM step at index i is step n_T - 2 - i of the run.
      await plan.runTo(schedule.timesteps - 1 - i, progress);
      compare(`sample.x_after_step_${i}`, await rt.download(plan.x));
    }
    await plan.runTo(undefined, progress);
    const z0 = await rt.download(plan.x);
    compare('sample.z0', z0);
    if (cases.has('sample.decoded') && nets.decoder) {
      const dec = nets.decoder;
      compare('sample.decoded', (await RecordedGraph.evaluateOnce(rt, {}, (g) => ({ out: dec.build(g, plan.x) }))).out);
    }
    if (cases.has('sample.features') && nets.featurePredictor) {
      const fp = nets.featurePredictor;
      compare('sample.features', (await RecordedGraph.evaluateOnce(rt, {}, (g) => ({ out: fp.build(g, plan.x) }))).out);
    }
  } finally {
    plan.dispose();
  }
}
