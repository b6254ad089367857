import { FormatError, UsageError } from '../errors.js';
import { SAMPLER_STEP_WORDS } from '../ops/ddpm.js';

export const SAMPLERS = ['ddpm', 'ddim', 'dpmpp-2m'] as const;
export type SamplerName = (typeof SAMPLERS)[number];

/** Steps when none are asked for: DDPM runs the trained loop; the others their usual counts. */
export const DEFAULT_STEPS = { ddim: 50, 'dpmpp-2m': 20 } as const;

/** How a run denoises; recorded in run.json, so it is plain data. */
export type SamplerSettings =
  | { sampler: 'ddpm'; steps: number }
  | { sampler: 'ddim'; steps: number; eta: number }
  | { sampler: 'dpmpp-2m'; steps: number };

/** The trained schedule stored in ddpm.pt, n_T values each, indexed by i = 0 .. n_T - 1. */
export interface TrainedSchedule {
  /** The weights file it came from, for error messages. */
  file: string;
  timesteps: number;
  alphabar: Float32Array;
  oneoverSqrta: Float32Array;
  mabOverSqrtmab: Float32Array;
  sqrtBetaT: Float32Array;
}

/** Steps of the reference DDPM loop, i = n_T - 2 down to 1; also the most any sampler takes. */
export const ddpmSteps = (timesteps: number) => timesteps - 2;

/**
 * Checks and completes a sampler choice (absent: DDPM). DDPM always takes the
 * trained n_T - 2 steps; DDIM and DPM-Solver++(2M) take 1 .. n_T - 2, eta in
 * [0, 1] for DDIM only (default 0, deterministic).
 */
export function samplerSettings(timesteps: number, o: { sampler?: string; steps?: number; eta?: number }): SamplerSettings {
  const sampler = o.sampler ?? 'ddpm';
  if (!(SAMPLERS as readonly string[]).includes(sampler)) throw new UsageError(`sampler must be one of ${SAMPLERS.join(', ')}, got '${sampler}'`);
  const most = ddpmSteps(timesteps);
  if (o.eta !== undefined && sampler !== 'ddim') throw new UsageError(`eta applies to the ddim sampler only, not ${sampler}`);
  if (sampler === 'ddpm') {
    if (o.steps !== undefined && o.steps !== most) {
      throw new UsageError(`the ddpm sampler runs the trained ${most} steps, got steps ${o.steps}; for fewer use ddim or dpmpp-2m`);
    }
    return { sampler, steps: most };
  }
  const s = sampler as 'ddim' | 'dpmpp-2m';
  const steps = o.steps ?? Math.min(DEFAULT_STEPS[s], most);
  if (!Number.isInteger(steps) || steps < 1 || steps > most) throw new UsageError(`steps must be an integer in [1, ${most}] for this model, got ${steps}`);
  if (s === 'dpmpp-2m') return { sampler: s, steps };
  const eta = o.eta ?? 0;
  if (!(eta >= 0 && eta <= 1)) throw new UsageError(`eta must be in [0, 1], got ${eta}`);
  return { sampler: s, steps, eta };
}

/**
 * The trained indices visited, first to last: N evenly spaced integers from
 * n_T - 2 down to 1, i_k = n_T - 2 - round(k (n_T - 3) / (N - 1)) for
 * k = 0 .. N - 1 (halves round up), exactly in integers; N = 1 visits n_T - 2.
 * At N = n_T - 2 this is DDPM's i = n_T - 2 .. 1.
 */
export function samplerTimesteps(timesteps: number, steps: number): number[] {
  const first = ddpmSteps(timesteps);
  if (steps === 1) return [first];
  const span = first - 1;
  return Array.from({ length: steps }, (_, k) => first - Math.floor((2 * k * span + (steps - 1)) / (2 * (steps - 1))));
}

/** The coefficient table of a run, steps x SAMPLER_STEP_WORDS (SamplerStep in shaders/ddpm-state.wgsl). */
export function samplerTable(schedule: TrainedSchedule, settings: SamplerSettings): Float32Array {
  const steps = samplerTimesteps(schedule.timesteps, settings.steps);
  const rows = new Float32Array(steps.length * SAMPLER_STEP_WORDS);
  const put = (k: number, values: number[]) => rows.set([steps[k], ...values], k * SAMPLER_STEP_WORDS);
  if (settings.sampler === 'ddpm') {
    // The stored float32 coefficients as they are, so the loop is the reference's bit for bit.
    const { oneoverSqrta, mabOverSqrtmab, sqrtBetaT } = schedule;
    steps.forEach((i, k) => put(k, [oneoverSqrta[i], mabOverSqrtmab[i], i > 1 ? sqrtBetaT[i] : 0]));
    return rows;
  }
  const alphabar = checkedAlphabar(schedule);
  // Level of step k's input, and of its output: the next visited index, or clean data (alphabar 1) after the last.
  const from = (k: number) => alphabar[steps[k]];
  const to = (k: number) => (k + 1 < steps.length ? alphabar[steps[k + 1]] : 1);
  if (settings.sampler === 'ddim') {
    for (let k = 0; k < steps.length; k++) {
      const [s, t] = [from(k), to(k)];
      // Song et al. (2021), eq. 16: sigma = eta sqrt((1 - ab_t) / (1 - ab_s)) sqrt(1 - ab_s / ab_t).
      const sigma = settings.eta * Math.sqrt(((1 - t) / (1 - s)) * (1 - s / t));
      // x' = sqrt(ab_t) x0 + sqrt(1 - ab_t - sigma^2) eps + sigma z, x0 = (x - sqrt(1 - ab_s) eps) / sqrt(ab_s), as a (x - eps b) + c z.
      const a = Math.sqrt(t / s);
      const b = Math.sqrt(1 - s) - Math.sqrt(s / t) * Math.sqrt(Math.max(0, 1 - t - sigma * sigma));
      put(k, [a, b, sigma, 0, 0]);
    }
    return rows;
  }
  // DPM-Solver++(2M), Lu et al. (2022), Algorithm 2: lambda = log(alpha / sigma), alpha = sqrt(ab), sigma = sqrt(1 - ab).
  const lambda = (ab: number) => 0.5 * Math.log(ab / (1 - ab));
  for (let k = 0; k < steps.length; k++) {
    const [s, t] = [from(k), to(k)];
    const [alphaS, sigmaS] = [Math.sqrt(s), Math.sqrt(1 - s)];
    const x0 = [1 / alphaS, sigmaS];
    if (k === steps.length - 1) {
      // To clean data (sigma_t = 0, h infinite) the first-order step is x = x0.
      put(k, [...x0, 0, 1, 0]);
      continue;
    }
    const h = lambda(t) - lambda(s);
    const c = Math.sqrt(1 - t) / sigmaS;
    const w = Math.sqrt(t) * -Math.expm1(-h);
    if (k === 0) {
      put(k, [...x0, c, w, 0]);
      continue;
    }
    const r = (lambda(s) - lambda(from(k - 1))) / h;
    put(k, [...x0, c, w * (1 + 1 / (2 * r)), -w / (2 * r)]);
  }
  return rows;
}

/** DDIM and DPM-Solver++ need 0 < alphabar_t < 1, decreasing in t; DDPM uses its stored coefficients as they are. */
function checkedAlphabar(schedule: TrainedSchedule): Float32Array {
  const ab = schedule.alphabar;
  for (let i = 0; i < ab.length; i++) {
    if (!(ab[i] > 0 && ab[i] < 1) || (i > 0 && !(ab[i] < ab[i - 1]))) {
      throw new FormatError(schedule.file, `alphabar_t[${i}] = ${ab[i]}: ddim and dpmpp-2m need values in (0, 1) that decrease with t`);
    }
  }
  return ab;
}
