import { appendFile, open, readdir, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { descriptorNames, type Descriptors } from '../descriptors/index.js';
import { FormatError, UsageError } from '../errors.js';
import { formatCsv, formatCsvHeader, formatCsvRow } from '../io/csv.js';
import { describeFsError, writeFileAtomic } from '../io/node-files.js';
import type { ModelConfig } from '../models/config.js';
import type { Precision } from '../models/precision.js';
import type { SamplerSettings } from '../models/sampler-schedule.js';
import { MEASURED_PREFIX } from '../report/conditioning.js';
import { CONTEXT_CSV, PREDICTED_CSV } from '../report/run-folder.js';
import { plural } from './format.js';
import { shardLabel, type Shard } from './shard.js';

/** What makes two runs produce the same samples; a resume must match it (--samples may grow). */
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

export interface ModelIdentity {
  dir: string;
  hash: string;
  variant: string;
}

/** One generate process: the whole run ('1/1') or one shard of it. */
export interface ProcessRecord {
  shard: string;
  adapter: string;
  batch: number;
  complete: boolean;
  timingsMs: { load: number; total: number };
}

/** run.json: the run's settings, the processes that made it, and (once complete) every sample in index order. */
export interface RunRecord {
  format: 'mg3d-run';
  version: 2;
  model: ModelIdentity;
  settings: RunSettings;
  complete: boolean;
  processes: ProcessRecord[];
  samples: SampleRecord[];
}

/** A shard's own header (run.shard-K-of-N.json): what its samples depend on and how far it got. */
interface ShardHeader {
  format: 'mg3d-shard';
  version: 2;
  model: ModelIdentity;
  settings: RunSettings;
  process: ProcessRecord;
}

export const RUN_FILE = 'run.json';

/** The descriptors a run measures, in print order (empty when it does not measure). */
export function measuredNames(settings: RunSettings): string[] {
  return settings.measure ? descriptorNames(settings.thresholds.length === 2 ? 3 : 2) : [];
}

interface SampleTable {
  file: string;
  /** The column names, given the run and one of its samples (a model without a feature predictor has no features). */
  header: (c: ModelConfig, settings: RunSettings, sample: SampleRecord) => string[];
  row: (s: SampleRecord, settings: RunSettings) => number[];
}

/**
 * The per-sample tables of a run folder, the one place that defines their
 * columns. outputs_predicted.csv holds the feature predictor's attributes,
 * then the measured descriptors as measured_NAME columns. A table without
 * columns is not written.
 */
const SAMPLE_TABLES: readonly SampleTable[] = [
  { file: CONTEXT_CSV, header: (c) => c.contextAttributes, row: (s) => s.context },
  {
    file: PREDICTED_CSV,
    header: (c, settings, sample) => [...(sample.features.length ? c.attributes : []), ...measuredNames(settings).map((n) => MEASURED_PREFIX + n)],
    row: (s, settings) => [...s.features, ...measuredNames(settings).map((n) => s.measured![n]!)],
  },
];

export function sampleStem(index: number): string {
  return `sample_${String(index).padStart(5, '0')}`;
}

const shardSuffix = (shard: Shard) => `shard-${shard.index}-of-${shard.count}`;
/** Each process appends its finished samples here, one JSON line each, fsynced. */
const journalName = (shard: Shard) => (shard.count === 1 ? 'samples.jsonl' : `samples.${shardSuffix(shard)}.jsonl`);
const shardHeaderName = (shard: Shard) => `run.${shardSuffix(shard)}.json`;
const SHARD_HEADER = /^run\.shard-(\d+)-of-(\d+)\.json$/;

const SETTING_FLAGS: Record<keyof RunSettings, string> = {
  seed: '--seed',
  samples: '--samples',
  thresholds: '--threshold',
  context: 'the context (--context / --random / --from)',
  npy: '--npy',
  precision: '--precision',
  measure: '--measure',
  sampler: '--sampler / --steps / --eta',
};

/** Why a run with `now` cannot continue one made with `was`, or undefined if it can (more samples are fine). */
function settingsChange(was: RunSettings, now: RunSettings): string | undefined {
  for (const key of Object.keys(SETTING_FLAGS) as (keyof RunSettings)[]) {
    if (key === 'samples') {
      if (now.samples < was.samples) return `--samples ${now.samples} is fewer than the ${was.samples} of that run (more are fine)`;
      continue;
    }
    const [a, b] = [JSON.stringify(was[key]), JSON.stringify(now[key])];
    if (a !== b) return `${SETTING_FLAGS[key]} differs: it was ${a}, now ${b}`;
  }
  return undefined;
}

function checkSameRun(what: string, was: { model: ModelIdentity; settings: RunSettings }, model: ModelIdentity, settings: RunSettings): void {
  if (was.model.hash !== model.hash) throw new UsageError(`${what} was made with another model (hash ${was.model.hash.slice(0, 12)}, this one ${model.hash.slice(0, 12)})`);
  const change = settingsChange(was.settings, settings);
  if (change) throw new UsageError(`${what}: ${change}`);
}

async function readJson<T>(path: string, format: string): Promise<T | undefined> {
  if (!existsSync(path)) return undefined;
  try {
    const r = JSON.parse(await readFile(path, 'utf8')) as { format?: unknown };
    if (r.format !== format) throw new Error(`not an ${format} record`);
    return r as T;
  } catch (e) {
    throw new FormatError(path, `cannot resume from it: ${(e as Error).message.split('\n')[0]}`);
  }
}

/**
 * The samples of a journal whose files are all present, the last record of
 * each index winning. A torn last line (the process died mid-append) is dropped;
 * a bad line before it is an error.
 */
async function readJournal(dir: string, shard: Shard): Promise<SampleRecord[]> {
  const path = join(dir, journalName(shard));
  if (!existsSync(path)) return [];
  const lines = (await readFile(path, 'utf8')).split('\n');
  // After the last newline: nothing, or a line torn by a crash mid-append.
  lines.pop();
  const byIndex = new Map<number, SampleRecord>();
  lines.forEach((line, n) => {
    try {
      const s = JSON.parse(line) as SampleRecord;
      if (!Number.isInteger(s.index) || !Array.isArray(s.files)) throw new Error('not a sample record');
      byIndex.set(s.index, s);
    } catch (e) {
      throw new FormatError(path, `line ${n + 1}: ${(e as Error).message.split('\n')[0]}`);
    }
  });
  return [...byIndex.values()].filter((s) => s.files.every((f) => existsSync(join(dir, f)))).sort((a, b) => a.index - b.index);
}

/** Writes the tables and run.json from every sample, in index order: what a single uninterrupted run leaves. */
async function writeSummary(dir: string, record: RunRecord, config: ModelConfig): Promise<void> {
  const samples = [...record.samples].sort((a, b) => a.index - b.index);
  await writeTables(dir, samples, record.settings, config);
  await writeFileAtomic(join(dir, RUN_FILE), JSON.stringify({ ...record, samples }, null, 2) + '\n');
}

/** Each table whole from `samples` (in their order); a table without columns or samples is removed. */
async function writeTables(dir: string, samples: readonly SampleRecord[], settings: RunSettings, config: ModelConfig): Promise<void> {
  for (const t of SAMPLE_TABLES) {
    const path = join(dir, t.file);
    const header = samples.length ? t.header(config, settings, samples[0]!) : [];
    if (header.length) await writeFileAtomic(path, formatCsv(header, samples.map((s) => t.row(s, settings))));
    else await rm(path, { force: true });
  }
}

export interface RunStart {
  model: ModelIdentity;
  settings: RunSettings;
  shard: Shard;
  adapter: string;
  resume: boolean;
}

/**
 * The records of one generate process in its output folder. Per finished
 * sample it appends one fsynced line to its journal (and, unsharded, one row
 * to each table): O(1) bytes per sample. run.json and the tables are written
 * whole only when the run starts over a resumed folder and when it completes;
 * the last shard to complete writes them for all shards, so that they equal
 * what a single process writes.
 */
export class RunWriter {
  private process: ProcessRecord;
  private startedAt = performance.now();
  private previousTotal: number;
  private headerWritten: boolean;
  private readonly done: SampleRecord[];

  private constructor(
    private readonly dir: string,
    private readonly start: RunStart,
    private readonly config: ModelConfig,
    kept: SampleRecord[],
    previous: ProcessRecord | undefined,
  ) {
    this.done = kept;
    this.previousTotal = previous?.timingsMs.total ?? 0;
    this.headerWritten = previous !== undefined;
    this.process = { shard: shardLabel(start.shard), adapter: start.adapter, batch: 0, complete: false, timingsMs: { load: 0, total: this.previousTotal } };
  }

  /** Checks the folder against this run (refusing another run, a changed setting, a clash of shards) and reads what is already done. */
  static async open(dir: string, start: RunStart, config: ModelConfig, warn: (line: string) => void): Promise<RunWriter> {
    const { shard, model, settings, resume } = start;
    const run = await readJson<RunRecord>(join(dir, RUN_FILE), 'mg3d-run');
    const headers = await readShardHeaders(dir);
    const sharded = shard.count > 1;
    const hasRun = run !== undefined || headers.length > 0 || existsSync(join(dir, journalName(shard)));
    if (run && run.processes.some((p) => (p.shard === '1/1') === sharded)) {
      throw new UsageError(`generate: ${dir} holds ${sharded ? 'an unsharded run' : `a run made in ${run.processes.length} shards`}; use another --out`);
    }
    if (!resume && hasRun) throw new UsageError(`generate: ${dir} already holds a run; use --resume to continue it, or another --out`);
    for (const { header, name } of headers) {
      if (header.process.shard.split('/')[1] !== String(shard.count)) throw new UsageError(`generate: ${join(dir, name)} is a shard of ${header.process.shard.split('/')[1]}, not of ${shard.count}`);
      checkSameRun(`--shard ${shardLabel(shard)}: ${join(dir, name)}`, header, model, settings);
    }
    const own = sharded ? headers.find((h) => h.name === shardHeaderName(shard))?.header : undefined;
    const previous = sharded ? own?.process : run?.processes[0];
    if (resume && !sharded && run) checkSameRun(`--resume: ${dir}`, run, model, settings);
    if (resume && !previous) warn(`--resume: no run${sharded ? ` of shard ${shardLabel(shard)}` : ''} in ${dir} yet; starting one`);
    const kept = resume ? await readJournal(dir, shard) : [];
    const writer = new RunWriter(dir, start, config, kept, previous);
    if (previous) await writer.rewriteFromKept();
    return writer;
  }

  get samplesDone(): readonly SampleRecord[] {
    return this.done;
  }

  setPlan(batch: number, loadMs: number): void {
    this.process.batch = batch;
    this.process.timingsMs.load = loadMs;
  }

  /** Records a sample whose files are already on disk. */
  async add(sample: SampleRecord): Promise<void> {
    if (!this.headerWritten) await this.writeHeader();
    const journal = join(this.dir, journalName(this.start.shard));
    await appendDurably(journal, JSON.stringify(sample) + '\n');
    this.done.push(sample);
    if (this.start.shard.count === 1) {
      for (const t of SAMPLE_TABLES) {
        const header = t.header(this.config, this.start.settings, sample);
        if (!header.length) continue;
        const path = join(this.dir, t.file);
        await appendOrFail(path, (existsSync(path) ? '' : formatCsvHeader(header)) + formatCsvRow(t.row(sample, this.start.settings), header.length, sample.index));
      }
    }
  }

  /**
   * Ends this process's part: its header says how far it got. When the whole
   * run is done, writes run.json and the tables in index order. Returns the
   * number of shards still running (0: the run is complete).
   */
  async finish(complete: boolean): Promise<number> {
    this.process.complete = complete;
    this.process.timingsMs.total = this.previousTotal + performance.now() - this.startedAt;
    const { count } = this.start.shard;
    // Nothing finished and nothing resumed: leave the folder as it was.
    if (!this.headerWritten && this.done.length === 0) return count;
    if (!complete || count > 1) await this.writeHeader();
    if (!complete) return count;
    if (count > 1) return mergeShards(this.dir, this.start, this.config);
    const record = this.record([this.process], true, this.done);
    await writeSummary(this.dir, record, this.config);
    return 0;
  }

  private record(processes: ProcessRecord[], complete: boolean, samples: SampleRecord[]): RunRecord {
    return { format: 'mg3d-run', version: 2, model: this.start.model, settings: this.start.settings, complete, processes, samples };
  }

  private async writeHeader(): Promise<void> {
    this.headerWritten = true;
    const { shard, model, settings } = this.start;
    if (shard.count === 1) {
      await writeFileAtomic(join(this.dir, RUN_FILE), JSON.stringify(this.record([this.process], false, []), null, 2) + '\n');
    } else {
      const header: ShardHeader = { format: 'mg3d-shard', version: 2, model, settings, process: this.process };
      await writeFileAtomic(join(this.dir, shardHeaderName(shard)), JSON.stringify(header, null, 2) + '\n');
    }
  }

  /** On resume: the journal keeps only samples whose files exist, and the tables match it. */
  private async rewriteFromKept(): Promise<void> {
    await writeFileAtomic(join(this.dir, journalName(this.start.shard)), this.done.map((s) => JSON.stringify(s) + '\n').join(''));
    if (this.start.shard.count === 1) {
      await this.writeHeader();
      await writeTables(this.dir, this.done, this.start.settings, this.config);
    }
  }

}

async function readShardHeaders(dir: string): Promise<{ name: string; header: ShardHeader }[]> {
  const names = (await readdir(dir)).filter((n) => SHARD_HEADER.test(n)).sort();
  const out: { name: string; header: ShardHeader }[] = [];
  for (const name of names) out.push({ name, header: (await readJson<ShardHeader>(join(dir, name), 'mg3d-shard'))! });
  return out;
}

/** If every shard of the run is complete, writes run.json and the tables for all of them; returns how many are not. */
async function mergeShards(dir: string, start: RunStart, config: ModelConfig): Promise<number> {
  const headers = await readShardHeaders(dir);
  const count = start.shard.count;
  const complete = headers.filter((h) => h.header.process.complete && h.header.process.shard.endsWith(`/${count}`));
  if (complete.length < count) return count - complete.length;
  const samples: SampleRecord[] = [];
  for (let index = 1; index <= count; index++) samples.push(...(await readJournal(dir, { index, count })));
  const missing = start.settings.samples - new Set(samples.map((s) => s.index)).size;
  if (missing) throw new FormatError(dir, `all ${count} shards say they are complete, yet ${plural(missing, 'sample')} of ${start.settings.samples} are missing; rerun the shards with --resume`);
  const processes = complete.map((h) => h.header.process).sort((a, b) => Number(a.shard.split('/')[0]) - Number(b.shard.split('/')[0]));
  const record: RunRecord = { format: 'mg3d-run', version: 2, model: start.model, settings: start.settings, complete: true, processes, samples };
  await writeSummary(dir, record, config);
  return 0;
}

async function appendOrFail(path: string, text: string): Promise<void> {
  try {
    await appendFile(path, text);
  } catch (error) {
    throw new UsageError(`cannot write ${path}: ${describeFsError(error)}`);
  }
}

/** Appends and fsyncs, so that a journal line that exists describes a sample whose files are on disk. */
async function appendDurably(path: string, text: string): Promise<void> {
  try {
    const handle = await open(path, 'a');
    try {
      await handle.appendFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new UsageError(`cannot write ${path}: ${describeFsError(error)}`);
  }
}
