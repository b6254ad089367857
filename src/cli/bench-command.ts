import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { adapterReport } from '../perf/adapter.js';
import { BENCH_VARIANTS, checkUnetWidth, PUBLISHED, type BenchVariant } from '../perf/bench-models.js';
import { benchNotes, formatBenchReport, type BenchReport } from '../perf/bench-report.js';
import { benchVariant, STEPS_PER_SAMPLE, type BenchSettings, type VariantResult } from '../perf/bench-variant.js';
import { engineProvenance } from '../perf/provenance.js';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/node-files.js';
import type { Runtime } from '../runtime/index.js';
import { parseIntList, parseNumber, parsePrecision, splitList } from './args.js';
import { DEFAULT_STEPS, SAMPLERS, samplerSettings, type SamplerSettings } from '../models/sampler-schedule.js';

/**
 * Options not given take these. A full-width step takes seconds on a CPU
 * adapter, so there the UNet is narrower and the time budget short, which
 * keeps `npm start` to a few minutes.
 */
const DEFAULTS: Record<BenchReport['settings']['defaults'], Omit<BenchSettings, 'precision' | 'samplers'>> = {
  gpu: { nFeat: PUBLISHED.nFeat, steps: 5, decoderRuns: 3, descriptorRuns: 5, batches: [1, 2, 4, 8, 16, 32], timeBudgetSeconds: 600 },
  'cpu-adapter': { nFeat: 64, steps: 5, decoderRuns: 1, descriptorRuns: 3, batches: [1, 2, 4, 8, 16, 32], timeBudgetSeconds: 90 },
};
/** Each sampler at its default steps. */
const DEFAULT_SAMPLERS = SAMPLERS.join(',');
const { gpu, 'cpu-adapter': cpu } = DEFAULTS;

export const BENCH_HELP = `mg3d bench [options]

Measures the engine on random weights in the published shapes (nothing is
downloaded): denoising-step latency, per-sample latency over batch sizes, the
denoise / decode / predict split, the GraSPI descriptors of one sample
(generate --measure) and peak GPU memory. Prints a table and writes
JSON. On a CPU adapter (lavapipe, SwiftShader) some defaults are smaller,
shown in brackets, and the decoder is timed ${cpu.decoderRuns} time(s) after a warm-up
run instead of ${gpu.decoderRuns}. With a UNet narrower than the published one (the
CPU default) the printed numbers say that a narrow UNet was measured with the
full-width VAE decoder, so the totals are not the published model's.

  --variant V       experimental, ch or all (default all)
  --n-feat N        UNet width (default ${gpu.nFeat}, the published width [${cpu.nFeat}])
  --precision P     f32 or f16 UNet convolutions (default f32; mg3d help generate)
  --batches B,..    batch sizes (default ${gpu.batches.join(',')})
  --steps K         timed steps per batch after 1 warm-up step (default ${gpu.steps}): their
                    median, min and max are printed, and a spread too wide to trust is
                    flagged; per-sample denoising is extrapolated to ${STEPS_PER_SAMPLE} steps from the median
  --samplers S,..   samplers to report per-sample latency for, each NAME or NAME:STEPS
                    (default ${DEFAULT_SAMPLERS}: ddpm ${STEPS_PER_SAMPLE}, ddim ${DEFAULT_STEPS.ddim}, dpmpp-2m ${DEFAULT_STEPS['dpmpp-2m']} steps)
  --time-budget S   seconds of measuring per variant: a batch or the decoder estimated
                    to end past it is skipped and marked so (default ${gpu.timeBudgetSeconds} [${cpu.timeBudgetSeconds}])
  --json FILE       results file, with the engine version and git commit
                    (default out/bench-results.json)`;

export interface BenchFlags {
  variant?: string;
  'n-feat'?: string;
  precision?: string;
  batches?: string;
  steps?: string;
  samplers?: string;
  'time-budget'?: string;
  json?: string;
}

function parseVariants(value = 'all'): BenchVariant[] {
  const all = Object.keys(BENCH_VARIANTS) as BenchVariant[];
  if (value === 'all') return all;
  if ((all as string[]).includes(value)) return [value as BenchVariant];
  throw new UsageError(`--variant wants ${all.join(', ')} or all, got '${value}'`);
}

/** "ddpm,ddim:50,..." -> checked sampler settings at the published n_T. */
function parseSamplers(value = DEFAULT_SAMPLERS): SamplerSettings[] {
  return splitList('samplers', value).map((item) => {
    const [sampler, steps, extra] = item.split(':');
    if (extra !== undefined) throw new UsageError(`--samplers wants NAME or NAME:STEPS items, got '${item}'`);
    try {
      return samplerSettings(PUBLISHED.timesteps, { sampler, steps: steps === undefined ? undefined : parseNumber('samplers', steps, { min: 1, integer: true }) });
    } catch (e) {
      throw e instanceof UsageError ? new UsageError(`--samplers ${item}: ${e.message}`) : e;
    }
  });
}

function parseSettings(f: BenchFlags, d: Omit<BenchSettings, 'precision' | 'samplers'>): BenchSettings {
  const steps = f.steps === undefined ? d.steps : parseNumber('steps', f.steps, { min: 1, integer: true });
  if (steps + 1 > STEPS_PER_SAMPLE) throw new UsageError(`--steps: at most ${STEPS_PER_SAMPLE - 1} (one more runs as warm-up)`);
  return {
    nFeat: f['n-feat'] === undefined ? d.nFeat : checkUnetWidth(parseNumber('n-feat', f['n-feat'], { min: 8, integer: true })),
    precision: parsePrecision(f.precision),
    // Ascending, so that each row's pool peak is that batch's own.
    batches: f.batches === undefined ? d.batches : [...new Set(parseIntList('batches', f.batches))].sort((a, b) => a - b),
    steps,
    decoderRuns: d.decoderRuns,
    samplers: parseSamplers(f.samplers),
    descriptorRuns: d.descriptorRuns,
    timeBudgetSeconds: f['time-budget'] === undefined ? d.timeBudgetSeconds : parseNumber('time-budget', f['time-budget'], { min: 0 }),
  };
}

/** A fresh runtime per variant, so that each one's pool peak is its own. */
export async function benchCommand(
  f: BenchFlags,
  out: (line: string) => void,
  status: (line: string) => void,
  createRuntime: () => Promise<Runtime>,
): Promise<number> {
  const variants = parseVariants(f.variant);
  const probe = await createRuntime();
  const adapter = adapterReport(probe);
  probe.destroy();
  const defaults = adapter.isCpu ? 'cpu-adapter' : 'gpu';
  const settings = parseSettings(f, DEFAULTS[defaults]);

  const results: VariantResult[] = [];
  for (const variant of variants) {
    const rt = await createRuntime();
    try {
      results.push(await benchVariant(rt, variant, settings, status));
    } finally {
      rt.destroy();
    }
  }
  const processors = cpus();
  const report: BenchReport = {
    format: 'mg3d-bench',
    version: 2,
    engine: engineProvenance(),
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: `${processors.length} x ${processors[0]?.model ?? 'unknown'}`,
    adapter,
    settings: { ...settings, variants, defaults, stepsPerSample: STEPS_PER_SAMPLE },
    notes: benchNotes(settings),
    variants: results,
  };
  status('');
  for (const line of formatBenchReport(report)) out(line);
  const path = f.json ?? 'out/bench-results.json';
  mkdirSync(dirname(path), { recursive: true });
  await writeFileAtomic(path, JSON.stringify(report, null, 2) + '\n');
  out(`wrote ${path}`);
  return 0;
}
