import { convertCheckpoints, type CheckpointSet, type ConvertSettings } from '../convert.js';
import type { HostTensor } from '../io/host-tensor.js';
import { vaeDownsampleFactor, type ModelConfig } from './config.js';
import { WeightSet } from './weights.js';

/** Everything of a model.json that the weights' shapes depend on. */
export type RandomModelShape = Pick<
  ModelConfig,
  'latentShape' | 'firstLayerDownsample' | 'vaeMaxChannels' | 'nFeat' | 'timesteps' | 'attributes' | 'contextAttributes'
>;

/**
 * State dicts in exactly the published layout, filled like PyTorch's default
 * init (uniform +-1/sqrt(fan_in), norms at weight 1 / bias 0), and the DDPM
 * schedule buffers as the reference computes them. For benchmarks and demos
 * that must run without downloading the real checkpoints.
 */
export function randomCheckpoints(s: RandomModelShape, seed = 1): { checkpoints: CheckpointSet; settings: ConvertSettings } {
  const r = uniformStream(seed);
  const dict = new Map<string, HostTensor>();
  const put = (name: string, shape: number[], fill: (n: number) => Float32Array) => {
    dict.set(name, { shape, data: fill(shape.reduce((a, b) => a * b, 1)) });
  };
  const rand = (bound: number) => (n: number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = (2 * r() - 1) * bound;
    return a;
  };
  const constant = (v: number) => (n: number) => new Float32Array(n).fill(v);
  const conv = (name: string, o: number, i: number, k: number) => {
    const bound = 1 / Math.sqrt(i * k ** 3);
    put(`${name}.weight`, [o, i, k, k, k], rand(bound));
    put(`${name}.bias`, [o], rand(bound));
  };
  const convT = (name: string, i: number, o: number, k: number) => {
    const bound = 1 / Math.sqrt(o * k ** 3);
    put(`${name}.weight`, [i, o, k, k, k], rand(bound));
    put(`${name}.bias`, [o], rand(bound));
  };
  const norm = (name: string, c: number) => {
    put(`${name}.weight`, [c], constant(1));
    put(`${name}.bias`, [c], constant(0));
  };
  const lin = (name: string, o: number, i: number) => {
    const bound = 1 / Math.sqrt(i);
    put(`${name}.weight`, [o, i], rand(bound));
    put(`${name}.bias`, [o], rand(bound));
  };
  const take = (file: string) => {
    const w = new WeightSet(file, new Map(dict));
    dict.clear();
    return w;
  };

  const L = s.latentShape[0];
  const resBlock = (p: string, c: number) => {
    conv(`${p}.block.0`, c, c, 3);
    norm(`${p}.block.1`, c);
    conv(`${p}.block.3`, c, c, 3);
    norm(`${p}.block.4`, c);
  };
  let inCh = 1;
  let layer = 0;
  for (const [out, k] of [[64, 3], [128, 3], [256, 3], [s.vaeMaxChannels, 3], [L, 1]]) {
    conv(`encoder.conv_layers.${layer}`, out, inCh, k);
    norm(`encoder.conv_layers.${layer + 1}`, out);
    resBlock(`encoder.conv_layers.${layer + 2}`, out);
    inCh = out;
    layer += 3;
  }
  conv('encoder.conv_mu', L, L, 1);
  conv('encoder.conv_logvar', L, L, 1);
  const widths = [L, s.vaeMaxChannels, 256, 128, 64];
  for (let i = 0; i < 4; i++) convT(`decoder.convs.${i}`, widths[i], widths[i + 1], i === 0 ? 1 : 3);
  for (let i = 0; i < 4; i++) norm(`decoder.instnorms.${i}`, widths[i + 1]);
  for (let i = 0; i < 4; i++) resBlock(`decoder.resblocks.${i}`, widths[i + 1]);
  convT('decoder.final_conv', 64, 1, 3);
  const vae = take('random vae');

  const n = s.latentShape.reduce((a, b) => a * b, 1);
  lin('fc1', n / 2, n);
  lin('fc2', n / 4, n / 2);
  lin('fc3', s.attributes.length, n / 4);
  const fp = take('random fp');

  for (const [name, data] of Object.entries(ddpmSchedule(s.timesteps))) dict.set(name, { shape: [s.timesteps], data });
  const f = s.nFeat;
  const K = s.contextAttributes.length;
  const rcb = (p: string, i: number, o: number) => {
    conv(`nn_model.${p}.conv1.0`, o, i, 3);
    conv(`nn_model.${p}.conv2.0`, o, o, 3);
  };
  const embed = (p: string, i: number, o: number) => {
    lin(`nn_model.${p}.model.0`, o, i);
    lin(`nn_model.${p}.model.2`, o, o);
  };
  rcb('init_conv', L, f);
  rcb('down1.model.0', f, f);
  rcb('down2.model.0', f, 2 * f);
  embed('timeembed1', 1, 2 * f);
  embed('timeembed2', 1, f);
  embed('contextembed1', K, 2 * f);
  embed('contextembed2', K, f);
  convT('nn_model.up0.0', 2 * f, 2 * f, 1);
  norm('nn_model.up0.1', 2 * f);
  convT('nn_model.up1.model.0', 4 * f, f, 2);
  rcb('up1.model.1', f, f);
  rcb('up1.model.2', f, f);
  convT('nn_model.up2.model.0', 2 * f, f, 2);
  rcb('up2.model.1', f, f);
  rcb('up2.model.2', f, f);
  conv('nn_model.out.0', f, 2 * f, 3);
  norm('nn_model.out.1', f);
  conv('nn_model.out.3', L, f, 3);
  const ddpm = take('random ddpm');

  const factor = vaeDownsampleFactor(s.firstLayerDownsample);
  const [, d, h, w] = s.latentShape;
  return {
    checkpoints: { vae, fp, ddpm },
    settings: {
      variant: 'random',
      imageShape: [1, d * factor, h * factor, w * factor],
      latentShape: s.latentShape,
      firstLayerDownsample: s.firstLayerDownsample,
      attributes: s.attributes,
      contextAttributes: s.contextAttributes,
    },
  };
}

/**
 * The smallest model the architecture allows, for CPU adapters (SwiftShader
 * runs ~1.5 GFLOP/s): 32^3 volume, 1x4x4x4 latent, UNet width 8, 50
 * timesteps, the experimental variant's attribute names.
 */
export const TINY_MODEL: RandomModelShape = {
  latentShape: [1, 4, 4, 4],
  firstLayerDownsample: true,
  vaeMaxChannels: 16,
  nFeat: 8,
  timesteps: 50,
  attributes: ['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1'],
  contextAttributes: ['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1'],
};

/** A whole converted model folder with random weights, in memory (file name -> bytes). */
export function randomModelFiles(shape: RandomModelShape = TINY_MODEL, seed = 1): Map<string, Uint8Array> {
  const { checkpoints, settings } = randomCheckpoints(shape, seed);
  return convertCheckpoints(checkpoints, settings).files;
}

/** The reference's float32 linear beta schedule, 1e-4 .. 0.02 scaled by 1000 / n_T. */
export function ddpmSchedule(timesteps: number): Record<string, Float32Array> {
  const f = Math.fround;
  const scale = 1000 / timesteps;
  const b1 = f(1e-4 * scale);
  const b2 = f(0.02 * scale);
  const beta = Float32Array.from({ length: timesteps }, (_, i) => f(b1 + f(f(f(b2 - b1) * i) / (timesteps - 1))));
  const alpha = beta.map((b) => f(1 - b));
  // exp of a cumulative sum of logs, as the reference computes it
  const alphabar = new Float32Array(timesteps);
  alpha.reduce((acc, a, i) => {
    const sum = f(acc + f(Math.log(a)));
    alphabar[i] = f(Math.exp(sum));
    return sum;
  }, 0);
  const sqrtmab = alphabar.map((a) => f(Math.sqrt(f(1 - a))));
  return {
    alpha_t: alpha,
    oneover_sqrta: alpha.map((a) => f(1 / f(Math.sqrt(a)))),
    sqrt_beta_t: beta.map((b) => f(Math.sqrt(b))),
    alphabar_t: alphabar,
    sqrtab: alphabar.map((a) => f(Math.sqrt(a))),
    sqrtmab,
    mab_over_sqrtmab: alpha.map((a, i) => f(f(1 - a) / sqrtmab[i])),
  };
}

/** Deterministic uniform [0, 1) stream (mulberry32), so random weights reproduce. */
export function uniformStream(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
