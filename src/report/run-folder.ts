import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, UsageError } from '../errors.js';
import { parseCsv } from '../io/csv.js';
import { writeFileAtomic } from '../io/node-files.js';
import { conditioningReport, MEASURED_PREFIX, type ConditioningReport } from './conditioning.js';
import { conditioningPlotSvg } from './plot.js';
import { svgToPng } from './png.js';

export const CONTEXT_CSV = 'inputs_context.csv';
export const PREDICTED_CSV = 'outputs_predicted.csv';
/** The report's files in the run folder: numbers (.json) and the figure (.svg, .png). */
export const REPORT_STEM = 'conditioning_report';

function readTable(dir: string, name: string) {
  const path = join(dir, name);
  if (!existsSync(path)) throw new UsageError(`report: ${dir} has no ${name} (not a finished mg3d generate folder?)`);
  return parseCsv(readFileSync(path, 'utf8'), path);
}

/** A run folder's tables: what each sample asked for and, when the run measured, what was measured, row for row. */
export interface RunTables {
  contextAttributes: string[];
  requested: number[][];
  /** From the measured_* columns of outputs_predicted.csv; undefined when it has none. */
  measured?: Record<string, number>[];
}

export function readRunTables(dir: string): RunTables {
  const context = readTable(dir, CONTEXT_CSV);
  const path = join(dir, PREDICTED_CSV);
  const predicted = existsSync(path) ? parseCsv(readFileSync(path, 'utf8'), path) : undefined;
  const measuredColumns = (predicted?.header ?? []).flatMap((name, c) => (name.startsWith(MEASURED_PREFIX) ? [[name.slice(MEASURED_PREFIX.length), c] as const] : []));
  if (!predicted || !measuredColumns.length) return { contextAttributes: context.header, requested: context.rows };
  if (predicted.rows.length !== context.rows.length) {
    throw new FormatError(path, `${predicted.rows.length} rows, but ${CONTEXT_CSV} has ${context.rows.length}`);
  }
  const measured = predicted.rows.map((row) => Object.fromEntries(measuredColumns.map(([name, c]) => [name, row[c]])));
  return { contextAttributes: context.header, requested: context.rows, measured };
}

/** Writes conditioning_report.{json,svg,png} into `dir`, each atomically. */
export async function writeConditioningReport(dir: string, report: ConditioningReport): Promise<string[]> {
  const svg = await conditioningPlotSvg(report);
  const files = [`${REPORT_STEM}.json`, `${REPORT_STEM}.svg`, `${REPORT_STEM}.png`];
  await writeFileAtomic(join(dir, files[0]), JSON.stringify(report, null, 2) + '\n');
  await writeFileAtomic(join(dir, files[1]), svg);
  await writeFileAtomic(join(dir, files[2]), await svgToPng(svg));
  return files;
}

/**
 * `mg3d report DIR`: the report of a finished run folder, from its CSVs;
 * `measure` supplies the descriptors of a run made without --measure.
 */
export async function reportRunFolder(dir: string, measure: (samples: number) => Promise<Record<string, number>[]>): Promise<{ report: ConditioningReport; files: string[] }> {
  const tables = readRunTables(dir);
  const measured = tables.measured ?? (await measure(tables.requested.length));
  const rows = tables.requested.map((requested, index) => ({ index, requested, measured: measured[index] }));
  const report = conditioningReport(tables.contextAttributes, rows);
  if (!report.attributes.length) {
    throw new UsageError(`report: the measured descriptors of ${dir} cover none of the context attributes (${tables.contextAttributes.join(', ')})`);
  }
  return { report, files: await writeConditioningReport(dir, report) };
}
