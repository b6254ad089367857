import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { descriptorNames, type Descriptors } from '../descriptors/index.js';
import { FormatError, UsageError } from '../errors.js';
import { formatCsv } from '../io/csv.js';
import { writeFileAtomic } from '../io/node-files.js';
import type { ModelConfig } from '../models/config.js';
import type { Precision } from '../models/precision.js';
import type { SamplerSettings } from '../models/sampler-schedule.js';
import { MEASURED_PREFIX } from '../report/conditioning.js';
import { CONTEXT_CSV, PREDICTED_CSV } from '../report/run-folder.js';

/** What makes two runs produce the same samples; a resume must match it. */
export interface RunSettings {
  seed: number;
  samples: number;
  thresholds: number[];
  context: { mode: 'fixed'; values: number[] } | { mode: 'random'; spec: string } | { mode: 'from'; volume: string; values: number[] };
  npy: boolean;
  precision: Precision;
  /** GraSPI descriptors measured on each sample's phases (measured_* columns). */
  measure: boolean;
  sampler: SamplerSettings;
}

export interface SampleRecord {
  index: number;
  context: number[];
  features: number[];
  /** GraSPI descriptors of the sample's phases, when the run measures. */
  measured?: Descriptors;
  files: string[];
  timingsMs: { denoise: number; decode: number; predict: number; measure: number };
}

export interface RunRecord {
  format: 'mg3d-run';
  version: 1;
  model: { dir: string; hash: string; variant: string };
  settings: RunSettings;
  adapter: string;
  batch: number;
  complete: boolean;
  samples: SampleRecord[];
  timingsMs: { load: number; total: number };
}

export const RUN_FILE = 'run.json';

export function sampleStem(index: number): string {
  return `sample_${String(index).padStart(5, '0')}`;
}

export function readRunRecord(outDir: string): RunRecord | undefined {
  const path = join(outDir, RUN_FILE);
  if (!existsSync(path)) return undefined;
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as RunRecord;
    if (r.format !== 'mg3d-run' || !Array.isArray(r.samples)) throw new Error('not an mg3d run record');
    return r;
  } catch (e) {
    throw new FormatError(path, `cannot resume from it: ${(e as Error).message}`);
  }
}

/** Refuses a resume whose model or settings differ from the stopped run's. */
export function assertResumable(previous: RunRecord, modelHash: string, settings: RunSettings, outDir: string): void {
  if (previous.model.hash !== modelHash) throw new UsageError(`--resume: ${outDir} was made with another model (hash ${previous.model.hash.slice(0, 12)})`);
  const was = JSON.stringify(previous.settings);
  const now = JSON.stringify(settings);
  if (was !== now) throw new UsageError(`--resume: settings differ from the stopped run in ${outDir}: was ${was}, now ${now}`);
}

/** Samples of a record whose files are all present. */
export function finishedSamples(record: RunRecord, outDir: string): SampleRecord[] {
  return record.samples.filter((s) => s.files.every((f) => existsSync(join(outDir, f))));
}

/** The descriptors a run measures, in print order (empty when it does not measure). */
export function measuredNames(settings: RunSettings): string[] {
  return settings.measure ? descriptorNames(settings.thresholds.length === 2 ? 3 : 2) : [];
}

/**
 * Writes run.json and the two CSVs, each atomically, from the record:
 * outputs_predicted.csv holds the feature predictor's attributes, then the
 * measured descriptors as measured_NAME columns.
 */
export async function saveRun(outDir: string, record: RunRecord, config: ModelConfig): Promise<void> {
  const samples = [...record.samples].sort((a, b) => a.index - b.index);
  await writeFileAtomic(join(outDir, CONTEXT_CSV), formatCsv(config.contextAttributes, samples.map((s) => s.context)));
  const predicted = samples.every((s) => s.features.length > 0) ? config.attributes : [];
  const measured = measuredNames(record.settings);
  if (predicted.length + measured.length > 0) {
    const header = [...predicted, ...measured.map((name) => MEASURED_PREFIX + name)];
    const rows = samples.map((s) => [...(predicted.length ? s.features : []), ...measured.map((name) => s.measured![name])]);
    await writeFileAtomic(join(outDir, PREDICTED_CSV), formatCsv(header, rows));
  }
  await writeFileAtomic(join(outDir, RUN_FILE), JSON.stringify({ ...record, samples }, null, 2) + '\n');
}
