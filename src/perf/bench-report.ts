import { PUBLISHED } from './bench-models.js';
import { STEPS_PER_SAMPLE, type BenchSettings, type PlannedMemory, type VariantResult } from './bench-variant.js';
import type { Provenance } from './provenance.js';
import { formatNumber, formatTable, mebibytes } from './table.js';
import { WIDE_SPREAD } from './timing.js';

export interface AdapterReport {
  name: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
  /** A software (CPU) implementation: lavapipe / llvmpipe or SwiftShader. */
  isCpu: boolean;
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
}

export interface BenchReport {
  format: 'mg3d-bench';
  version: 2;
  engine: Provenance;
  date: string;
  node: string;
  platform: string;
  cpu: string;
  adapter: AdapterReport;
  settings: BenchSettings & {
    variants: string[];
    /** Which defaults filled the options not given: the CPU-adapter ones are smaller. */
    defaults: 'gpu' | 'cpu-adapter';
    stepsPerSample: number;
  };
  /** How each number was measured, as printed under the table. */
  notes: string[];
  variants: VariantResult[];
}

export function benchNotes(s: BenchSettings): string[] {
  const k = s.steps;
  return [
    `step: wall time of one DDPM step (UNet + update) on the whole batch, each step submitted alone and timed until the queue reports the work done (onSubmittedWorkDone); median, min and max of ${k} timed step${k > 1 ? 's' : ''} after 1 untimed warm-up step; spread = (max - min) / median, marked 'too wide' above ${WIDE_SPREAD * 100}% (the machine was busy or changed speed: rerun, or raise --steps)`,
    `denoise: step x ${STEPS_PER_SAMPLE} / batch, extrapolated to ${STEPS_PER_SAMPLE} steps from ${k}`,
    `decoder: the VAE decoder on one latent (generate decodes one sample at a time); median of ${s.decoderRuns} timed run${s.decoderRuns > 1 ? 's' : ''} after 1 warm-up`,
    `predict: the feature predictor at the batch, divided by the batch; median of ${k} run${k > 1 ? 's' : ''} after 1 warm-up`,
    s.nFeat === PUBLISHED.nFeat
      ? `total: denoise + decoder + predict per sample ('-' where the decoder was not measured)`
      : `total: denoise with the UNet at n_feat ${s.nFeat} + the full-width decoder + predict: the published model (n_feat ${PUBLISHED.nFeat}) is slower; not its per-sample time ('-' where the decoder was not measured)`,
    `descriptors: measureDescriptors (generate --measure) on one spinodal test volume of the variant's shape (Cahn's random-wave model, half donor); min / median / max of 1 to ${s.descriptorRuns} runs (more while the time budget allows) after 1 warm-up on 16^3`,
    `samplers: per-sample latency of each sampler, its steps x step / batch (+ decoder + predict where measured): every sampler's step is the timed graph but for an element-wise update of the latent`,
    `GFLOP/s: the UNet's multiply-adds x 2 over the step time; the DDPM update is not counted`,
    `step plan / predict plan / decoder plan: the graph's intermediates as placed by liveness (buffers shared by tensors never live at once), and in brackets the most of them live during one dispatch (no placement can go below it); weights not included`,
    `peak: the most bytes the runtime had allocated at once (weights, activations, uniforms; storage rounded up to 256 B) up to that row; idle pooled buffers and driver overhead are not counted`,
  ];
}

const seconds = (ms: number) => formatNumber(ms / 1000);
const planned = (m: PlannedMemory) => `${mebibytes(m.plannedBytes)} (${mebibytes(m.largestLiveBytes)})`;

/** The descriptors' time per sample, and its share of the batch-1 generation time at this width. */
function descriptorLine(v: VariantResult): string {
  const { shape, ms } = v.descriptors;
  const runs = ms.count;
  const first = v.batches[0];
  const total = first && 'totalMsPerSample' in first && first.totalMsPerSample !== undefined ? first.totalMsPerSample : undefined;
  const share = total === undefined ? '' : `; ${formatNumber((100 * ms.median) / total)}% of the batch-${first.batch} total per sample at n_feat ${v.nFeat}`;
  return `  descriptors (${shape.join('x')}): ${seconds(ms.median)} s per sample (min ${seconds(ms.min)}, max ${seconds(ms.max)}, ${runs} run${runs > 1 ? 's' : ''})${share}`;
}

export function formatBenchReport(r: BenchReport): string[] {
  const s = r.settings;
  const e = r.engine;
  const narrow = s.nFeat !== PUBLISHED.nFeat;
  const lines = [
    `mg3d bench  ${r.date}  engine ${e.version}${e.commit ? ` at ${e.commit.slice(0, 12)}${e.dirty ? ' with uncommitted changes' : ''}` : ''}`,
    `adapter: ${r.adapter.name}${r.adapter.isCpu ? ' (a CPU adapter: CPU defaults for options not given)' : ''}`,
    ...(narrow
      ? [`measured: a NARROW UNet (n_feat ${s.nFeat}; the published models have ${PUBLISHED.nFeat}, --n-feat ${PUBLISHED.nFeat} times them) with the FULL-width VAE decoder (max ${PUBLISHED.vaeMaxChannels} channels)`]
      : []),
    `UNet n_feat ${s.nFeat} (published ${PUBLISHED.nFeat}) in ${s.precision}, VAE max ${PUBLISHED.vaeMaxChannels}; batches ${s.batches.join(',')}; ` +
      `${s.steps} timed step${s.steps > 1 ? 's' : ''} after 1 warm-up, extrapolated to ${STEPS_PER_SAMPLE} steps from ${s.steps}; ` +
      `time budget ${s.timeBudgetSeconds} s of measuring per variant`,
  ];
  for (const v of r.variants) {
    lines.push(
      '',
      `${v.variant}: latent ${v.latentShape.join('x')} -> volume ${v.imageShape.slice(1).join('x')}; ` +
        `UNet ${formatNumber(v.unetGflopPerSample)} GFLOP per step and sample (${formatNumber(v.unetExecutedGflopPerSample)} executed); weights ${mebibytes(v.weightsBytes)} MiB; setup ${formatNumber(v.setupSeconds)} s`,
    );
    const rows = v.batches.map((b) =>
      'skipped' in b
        ? [String(b.batch), `skipped: ${b.skipped}`]
        : [
            String(b.batch),
            formatNumber(b.step.median),
            formatNumber(b.step.min),
            formatNumber(b.step.max),
            `${(100 * b.step.spread).toFixed(0)}%${b.step.tooWide ? ' too wide' : ''}`,
            formatNumber(b.stepMs / b.batch),
            formatNumber(b.gflopPerSecond),
            seconds(b.denoiseMsPerSample),
            formatNumber(b.predictMsPerSample),
            b.totalMsPerSample === undefined ? '-' : seconds(b.totalMsPerSample),
            planned(b.stepMemory),
            planned(b.predictMemory),
            mebibytes(b.poolPeakBytes),
          ],
    );
    lines.push(
      ...formatTable(
        ['batch', 'step ms', 'min', 'max', 'spread', 'step ms/sample', 'GFLOP/s', 'denoise s/sample', 'predict ms/sample', narrow ? `total s/sample (n_feat ${s.nFeat})` : 'total s/sample', 'step plan MiB', 'predict plan MiB', 'peak MiB'],
        rows,
        0,
      ),
    );
    lines.push(...samplerTable(v));
    const d = v.decode;
    lines.push(
      'skipped' in d
        ? `  decoder (batch 1): skipped: ${d.skipped}`
        : `  decoder (batch 1): ${seconds(d.ms)} s, ${formatNumber(d.gflop)} GFLOP, ${formatNumber(d.gflop / (d.ms / 1000))} GFLOP/s, plan ${planned(d.memory)} MiB, peak ${mebibytes(d.poolPeakBytes)} MiB`,
      descriptorLine(v),
    );
  }
  const wide = r.variants.flatMap((v) => v.batches.filter((b) => 'step' in b && b.step.tooWide).map((b) => `${v.variant} batch ${b.batch}`));
  if (wide.length) lines.push('', `warning: the step times of ${wide.join(', ')} spread more than ${WIDE_SPREAD * 100}%: not to be trusted; rerun or raise --steps`);
  lines.push('', 'How the numbers are measured:', ...r.notes.map((n) => `  ${n}`));
  return lines;
}

/** Seconds per sample of each sampler at each measured batch: denoising, and the total where the decoder was measured. */
function samplerTable(v: VariantResult): string[] {
  const measured = v.batches.flatMap((b) => ('stepMs' in b ? [b] : []));
  if (measured.length === 0) return [];
  const total = 'ms' in v.decode;
  const totalHeader = v.nFeat === PUBLISHED.nFeat ? 'total s/sample' : `total s/sample (n_feat ${v.nFeat})`;
  const header = ['sampler', 'steps', ...measured.flatMap((b) => [`batch ${b.batch} denoise s/sample`, ...(total ? [totalHeader] : [])])];
  const rows = measured[0]!.samplers.map((m, k) => [
    m.sampler,
    String(m.steps),
    ...measured.flatMap((b) => {
      const r = b.samplers[k]!;
      return [seconds(r.denoiseMsPerSample), ...(total ? [seconds(r.totalMsPerSample!)] : [])];
    }),
  ]);
  return formatTable(header, rows, 1);
}
