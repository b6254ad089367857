import { convertCheckpoints, type CheckpointSet, type ConvertSettings } from '../convert.js';
import type { HostTensor } from '../io/host-tensor.js';
import { featurePredictorLayers, layerTensors, unetLayers, vaeDownsampleFactor, vaeLayers, type Layer, type TensorSpec, type VaeShape } from './architecture.js';
import type { ModelConfig } from './config.js';
import { WeightSet } from './weights.js';

/** Everything of a model.json that the weights' shapes depend on. */
export type RandomModelShape = Pick<
  ModelConfig,
  'latentShape' | 'firstLayerDownsample' | 'vaeMaxChannels' | 'nFeat' | 'timesteps' | 'attributes' | 'contextAttributes'
>;

/** PyTorch's default init bound 1/sqrt(fan_in) of a layer's weight and bias; fan_in counts the kernel taps. */
function initBound(l: Layer): number {
  switch (l.kind) {
    case 'conv':
      return 1 / Math.sqrt(l.in * l.kernel ** 3);
    // PyTorch computes a transposed conv's fan_in from weight dimension 1, its output channels.
    case 'convTranspose':
      return 1 / Math.sqrt(l.out * l.kernel ** 3);
    case 'linear':
      return 1 / Math.sqrt(l.in);
    default:
      return 0;
  }
}

/** How far norm weights stray from 1 and biases from 0: enough that a loader mixing them up fails a fixture. */
const NORM_SPREAD = 0.1;

/**
 * One network's state dict in the layout of `layers`, every tensor drawn from
 * `next` in order, row-major: weights and biases uniform +-1/sqrt(fan_in) as
 * PyTorch's default init, norm weights 1 +- NORM_SPREAD and biases
 * +-NORM_SPREAD, buffers taken from `buffers`. tools/make-fixture.py
 * (seeded_state_dict) computes the same values bit for bit.
 */
export function randomWeights(file: string, layers: Layer[], next: () => number, buffers: Record<string, Float32Array> = {}): WeightSet {
  const fill = (t: TensorSpec): Float32Array => {
    const { layer } = t;
    if (layer.kind === 'buffer') {
      const b = buffers[layer.name];
      if (!b) throw new Error(`randomWeights: no values for buffer '${layer.name}'`);
      return b;
    }
    const n = t.shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    if (layer.kind === 'norm') {
      const centre = t.name.endsWith('.weight') ? 1 : 0;
      for (let i = 0; i < n; i++) a[i] = centre + (2 * next() - 1) * NORM_SPREAD;
      return a;
    }
    const bound = initBound(layer);
    for (let i = 0; i < n; i++) a[i] = (2 * next() - 1) * bound;
    return a;
  };
  return new WeightSet(file, new Map<string, HostTensor>(layers.flatMap(layerTensors).map((t) => [t.name, { shape: t.shape, data: fill(t) }])));
}

/**
 * The VAE that randomCheckpoints(shape, seed) makes (it draws first): what a
 * fixture folder naming `vae_weights_seed` instead of holding vae.pt stands for.
 */
export function seededVaeWeights(s: VaeShape, seed: number): WeightSet {
  return randomWeights(`vae.pt (seed ${seed})`, vaeLayers(s), uniformStream(seed));
}

/**
 * State dicts in exactly the published layout (src/models/architecture.ts),
 * filled by randomWeights from one stream (VAE, then FP, then UNet), and the
 * DDPM schedule buffers as the reference computes them. For benchmarks, demos
 * and fixtures that must run without downloading the real checkpoints.
 */
export function randomCheckpoints(s: RandomModelShape, seed = 1): { checkpoints: CheckpointSet; settings: ConvertSettings } {
  const r = uniformStream(seed);
  const L = s.latentShape[0];
  const vae = randomWeights('random vae', vaeLayers({ latentChannels: L, maxChannels: s.vaeMaxChannels, firstLayerDownsample: s.firstLayerDownsample }), r);
  const n = s.latentShape.reduce((a, b) => a * b, 1);
  const fp = randomWeights('random fp', featurePredictorLayers({ inputs: n, hidden1: n / 2, hidden2: n / 4, outputs: s.attributes.length }), r);
  const unetShape = { latentChannels: L, nFeat: s.nFeat, contextSize: s.contextAttributes.length };
  const ddpm = randomWeights('random ddpm', unetLayers(unetShape, s.timesteps), r, ddpmSchedule(s.timesteps));

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

/**
 * Deterministic uniform [0, 1) stream (mulberry32), so random weights reproduce.
 * Its k-th value (from 1) hashes the counter seed + k * 0x6d2b79f5 mod 2^32 alone,
 * which lets tools/make-fixture.py compute a whole tensor at once with numpy.
 */
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
