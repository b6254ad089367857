import { describe, expect, it } from 'vitest';
import { MicroGen3D } from '../../src/microgen3d.js';
import { randomModelFiles, TINY_MODEL } from '../../src/models/random-model.js';
import { SamplerPlan, SamplerPlans, samplerRun, updateKind, type NoisePredictor } from '../../src/models/sampler.js';
import { samplerSettings, samplerTimesteps, type SamplerSettings } from '../../src/models/sampler-schedule.js';
import { declareKernel } from '../../src/kernel/kernel.js';
import { ELEMENTWISE_PART, elementwiseGrid } from '../../src/ops/elementwise.js';
import type { Graph, Tensor } from '../../src/runtime/index.js';
import { useRuntime } from '../helpers/gpu.js';
import { ddpmStepsRef, trainedSchedule } from '../reference/ddpm.js';
import { ddimStepRef, dpmSolver2mRef, timestepsRef } from '../reference/sampler.js';

/**
 * The exact noise prediction for data x0 ~ N(mu, s^2) per element: with
 * x_t = alpha x0 + sigma eps, E[eps | x_t] = sigma (x_t - alpha mu) / (alpha^2 s^2 + sigma^2),
 * alpha^2 = alphabar_i at the step's index i = round(t n_T).
 */
const gaussianEps = declareKernel({
  name: 'gaussian eps (test)',
  parts: [
    ELEMENTWISE_PART,
    {
      file: 'test/models/sampler.test.ts (gaussian eps)',
      code: `struct P { size: u32, per_sample: u32, timesteps: u32, mu: f32, s2: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> t: array<f32>;
@group(0) @binding(2) var<storage, read> alphabar: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read_write> eps: array<f32>;
@compute @workgroup_size(ELEMENTWISE_WORKGROUP)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let idx = elementwise_index(gid, nwg);
  if (idx >= p.size) { return; }
  let ab = alphabar[u32(round(t[idx / p.per_sample] * f32(p.timesteps)))];
  eps[idx] = sqrt(1.0 - ab) * (x[idx] - sqrt(ab) * p.mu) / (ab * p.s2 + 1.0 - ab);
}
`,
    },
  ],
  uniforms: { struct: 'P', fields: { size: 'u32', per_sample: 'u32', timesteps: 'u32', mu: 'f32', s2: 'f32' } },
  storage: { t: 'read', alphabar: 'read', x: 'read', eps: 'read_write' },
});

const timesteps = 1000;
const trained = trainedSchedule(timesteps);
const [MU, S] = [1, 0.5];
const epsRef = (x: number, i: number) => {
  const ab = trained.alphabar[i];
  return (Math.sqrt(1 - ab) * (x - Math.sqrt(ab) * MU)) / (ab * S * S + 1 - ab);
};

/**
 * The exact mean and variance of a sampler's output, x_T ~ N(0, 1), driven
 * by the exact Gaussian eps: every update is affine in x and its noise, so
 * the float64 references, fed 0 and 1, give the moments without sampling.
 */
function exactMoments(settings: SamplerSettings): { mean: number; variance: number } {
  const visited = timestepsRef(timesteps, settings.steps);
  if (settings.sampler === 'dpmpp-2m') {
    const run = (xT: number) => dpmSolver2mRef([xT], visited.map((i) => trained.alphabar[i]), (k, x) => [epsRef(x[0], visited[k])]).at(-1)![0];
    const mean = run(0);
    return { mean, variance: (run(1) - mean) ** 2 };
  }
  const step = (k: number, x: number, z: number): number => {
    const i = visited[k];
    if (settings.sampler === 'ddpm') return ddpmStepsRef([x], [epsRef(x, i)], trained, i, i, () => [z])[0];
    const abT = k + 1 < visited.length ? trained.alphabar[visited[k + 1]] : 1;
    return ddimStepRef([x], [epsRef(x, i)], trained.alphabar[i], abT, settings.eta, [z])[0];
  };
  let [mean, variance] = [0, 1];
  for (let k = 0; k < visited.length; k++) {
    const base = step(k, 0, 0);
    const gain = step(k, 1, 0) - base;
    const noise = step(k, 0, 1) - base;
    mean = step(k, mean, 0);
    variance = gain * gain * variance + noise * noise;
  }
  return { mean, variance };
}

describe('samplers driven by the exact noise predictor of Gaussian data', () => {
  const rt = useRuntime();
  const latent = [4, 16, 16, 16];
  const batch = 2;
  const M = batch * latent.reduce((a, b) => a * b, 1);

  function gaussianPredictor(alphabar: Tensor): NoisePredictor {
    return {
      shape: { contextSize: 1 },
      build(g: Graph, x: Tensor, t: Tensor): Tensor {
        const eps = g.tensor(x.shape);
        gaussianEps.dispatch(g, {
          work: { signature: `gaussian eps [${x.shape}]`, bytes: 2 * x.byteLength },
          uniforms: { size: x.size, per_sample: x.size / x.shape[0], timesteps, mu: MU, s2: S * S },
          storage: { t, alphabar, x, eps },
          workgroups: elementwiseGrid(x.size),
        });
        return eps;
      },
    };
  }

  // Every sampler at its default steps, and DDIM with full noise.
  const cases: [string, { sampler: string; eta?: number }, number][] = [
    // [name, options, |variance / s^2 - 1| of the sampler's own discretisation at these steps, asserted below]
    ['ddpm (998 steps)', { sampler: 'ddpm' }, 0.01],
    ['ddim (50 steps, eta 0)', { sampler: 'ddim' }, 0.15],
    ['ddim (50 steps, eta 1)', { sampler: 'ddim', eta: 1 }, 0.25],
    ['dpmpp-2m (20 steps)', { sampler: 'dpmpp-2m' }, 0.45],
  ];
  it.each(cases)('%s: sample mean and variance match the exact ones within 5 standard errors', async (_, options, discretisation) => {
    const settings = samplerSettings(timesteps, options);
    const alphabar = rt().upload(trained.alphabar, [timesteps]);
    const plan = new SamplerPlan(rt(), gaussianPredictor(alphabar), trained, latent, batch, updateKind(settings.sampler));
    plan.start(samplerRun(trained, settings), { context: new Float32Array(batch), sampleOffset: 0, seed: 11 });
    await plan.runTo();
    const x = await rt().download(plan.x);
    plan.dispose();
    rt().release(alphabar);

    let [sum, sq] = [0, 0];
    for (const v of x) sum += v;
    const mean = sum / M;
    for (const v of x) sq += (v - mean) ** 2;
    const variance = sq / (M - 1);
    const exact = exactMoments(settings);
    // Elements are independent (x_T, noise and predictor are per element): standard errors of an iid sample.
    expect(Math.abs(mean - exact.mean)).toBeLessThan(5 * Math.sqrt(exact.variance / M));
    expect(Math.abs(variance / exact.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / (M - 1)));
    // How far the sampler itself lands from the data, N(1, 0.25), at these steps (README "Samplers").
    expect(Math.abs(exact.mean - MU)).toBeLessThan(0.01);
    expect(Math.abs(exact.variance / (S * S) - 1)).toBeLessThan(discretisation);
  }, 120_000);
});

describe('the step-graph cache', () => {
  const rt = useRuntime();

  it('keeps the two most recently used (batch, kind) graphs, so live memory stays bounded and flat', async () => {
    const network: NoisePredictor = { shape: { contextSize: 1 }, build: (g, x) => g.tensor(x.shape) };
    const live = () => rt().memoryStats().liveBytes;
    const before = live();
    const plans = new SamplerPlans((batch, kind) => new SamplerPlan(rt(), network, trained, [2, 4, 4, 4], batch, kind));
    const a = plans.get(2, 'eps');
    expect(plans.get(2, 'eps')).toBe(a);
    plans.get(1, 'multistep');
    const two = live();
    // Two more, then back to the first two: each entry past two releases the least recently used.
    for (const [batch, kind] of [[3, 'eps'], [2, 'multistep'], [2, 'eps'], [1, 'multistep']] as const) plans.get(batch, kind);
    expect(live()).toBe(two);
    expect(plans.get(1, 'multistep')).not.toBe(a);
    plans.dispose();
    expect(live()).toBe(before);
  });
});

describe('sampler settings and timesteps', () => {
  it('visits evenly spaced integer indices from n_T - 2 down to 1, as the float64 rounding does', () => {
    for (const [n, steps] of [[1000, 50], [1000, 20], [1000, 998], [1000, 2], [1000, 1], [25, 23], [25, 7], [60, 13]]) {
      const got = samplerTimesteps(n, steps);
      expect(got).toEqual(timestepsRef(n, steps));
      expect(new Set(got).size).toBe(steps);
    }
    expect(samplerTimesteps(1000, 998)).toEqual(Array.from({ length: 998 }, (_, k) => 998 - k));
    expect(samplerTimesteps(1000, 50).slice(0, 3)).toEqual([998, 978, 957]);
  });

  it('defaults to the reference DDPM and checks every option', () => {
    expect(samplerSettings(1000, {})).toEqual({ sampler: 'ddpm', steps: 998 });
    expect(samplerSettings(1000, { sampler: 'ddim' })).toEqual({ sampler: 'ddim', steps: 50, eta: 0 });
    expect(samplerSettings(1000, { sampler: 'dpmpp-2m', steps: 10 })).toEqual({ sampler: 'dpmpp-2m', steps: 10 });
    expect(samplerSettings(25, { sampler: 'ddim' })).toEqual({ sampler: 'ddim', steps: 23, eta: 0 });
    expect(() => samplerSettings(1000, { sampler: 'euler' })).toThrow(/sampler must be one of ddpm, ddim, dpmpp-2m, got 'euler'/);
    expect(() => samplerSettings(1000, { sampler: 'ddpm', steps: 50 })).toThrow(/ddpm sampler runs the trained 998 steps/);
    expect(() => samplerSettings(1000, { sampler: 'ddim', steps: 999 })).toThrow(/steps must be an integer in \[1, 998\]/);
    expect(() => samplerSettings(1000, { sampler: 'ddim', steps: 2.5 })).toThrow(/steps/);
    expect(() => samplerSettings(1000, { sampler: 'ddim', eta: 1.5 })).toThrow(/eta must be in \[0, 1\]/);
    expect(() => samplerSettings(1000, { sampler: 'dpmpp-2m', eta: 0.5 })).toThrow(/eta applies to the ddim sampler only/);
  });
});

describe('generate with one step graph per batch size', () => {
  const rt = useRuntime();
  const files = randomModelFiles({ ...TINY_MODEL, timesteps: 25 });
  const read = async (name: string) => files.get(name)!;
  const context = [0.5, 0.2, 0.7];
  const latents = async (model: MicroGen3D, o: { seed: number; batch: number; samples?: number; indices?: number[]; sampler?: 'ddpm' | 'ddim' | 'dpmpp-2m'; steps?: number; eta?: number }) => {
    const out: Float32Array[] = [];
    for await (const s of model.generate({ context, ...o })) out.push(s.latent.data);
    return out;
  };

  it('reuses the step graph across seeds: seed 2^32 at batch 1 after seed 0 at batch 2 is its own stream', async () => {
    const model = await MicroGen3D.load(rt(), read);
    const fresh = await MicroGen3D.load(rt(), read);
    await latents(model, { seed: 0, batch: 2, samples: 2 });
    const after = await latents(model, { seed: 2 ** 32, batch: 1 });
    expect(after[0]).toEqual((await latents(fresh, { seed: 2 ** 32, batch: 1 }))[0]);
    expect(after[0]).not.toEqual((await latents(fresh, { seed: 0, batch: 1 }))[0]);
    model.dispose();
    fresh.dispose();
  }, 120_000);

  it('ddim (eta > 0) and dpmpp-2m give batch-independent samples of their own, and progress counts their steps', async () => {
    const model = await MicroGen3D.load(rt(), read);
    const runs: Record<string, Float32Array[]> = {};
    // (DDPM's batch independence is tested in test/cli/generate.test.ts.)
    for (const o of [{ sampler: 'ddim' as const, steps: 8, eta: 0.5 }, { sampler: 'dpmpp-2m' as const, steps: 6 }]) {
      const together = await latents(model, { ...o, seed: 9, batch: 2, indices: [1, 2] });
      expect(together[1], o.sampler).toEqual((await latents(model, { ...o, seed: 9, batch: 1, indices: [2] }))[0]);
      expect(together.flatMap((l) => Array.from(l)).every(Number.isFinite)).toBe(true);
      runs[o.sampler] = together;
    }
    expect(runs.ddim[0]).not.toEqual(runs['dpmpp-2m'][0]);
    let steps = 0;
    for await (const _ of model.generate({ context, sampler: 'dpmpp-2m', steps: 5, samples: 2, onProgress: (p) => (steps = p.stepsTotal) }));
    expect(steps).toBe(10);
    model.dispose();
  }, 120_000);

  it('refuses a second generate on the same model while one runs, and bad sampler options', async () => {
    const model = await MicroGen3D.load(rt(), read);
    const first = model.generate({ context, seed: 1 });
    await first.next();
    await expect(model.generate({ context, seed: 2 }).next()).rejects.toThrow(/already generating/);
    await first.return(undefined);
    await expect(model.generate({ context, sampler: 'ddim', steps: 24 }).next()).rejects.toThrow(/steps must be an integer in \[1, 23\]/);
    await expect(model.generate({ context, seed: 2 ** 53 }).next()).rejects.toThrow(/seed/);
    expect((await latents(model, { seed: 2, batch: 1 }))).toHaveLength(1);
    model.dispose();
  }, 120_000);
});
