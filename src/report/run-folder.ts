import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FormatError, UsageError } from '../errors.js';
import { parseCsv } from '../io/csv.js';
import { writeFileAtomic } from '../io/node-files.js';
import { conditioningReport, MEASURED_PREFIX, type ConditioningReport, type ConditioningRow } from './conditioning.js';
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

/**
 * Requested and measured values per sample from a run folder's CSVs: the
 * context columns of inputs_context.csv and the measured_* columns of
 * outputs_predicted.csv, row for row.
 */
export function readConditioningRows(dir: string): { contextAttributes: string[]; rows: ConditioningRow[] } {
  const context = readTable(dir, CONTEXT_CSV);
  const predicted = readTable(dir, PREDICTED_CSV);
  const path = join(dir, PREDICTED_CSV);
  if (predicted.rows.length !== context.rows.length) {
    throw new FormatError(path, `${predicted.rows.length} rows, but ${CONTEXT_CSV} has ${context.rows.length}`);
  }
  const measuredColumns = predicted.header.flatMap((name, c) => (name.startsWith(MEASURED_PREFIX) ? [[name.slice(MEASURED_PREFIX.length), c] as const] : []));
  if (!measuredColumns.length) throw new UsageError(`report: ${path} has no ${MEASURED_PREFIX}* columns; generate with --measure`);
  const rows = context.rows.map((requested, i) => ({
    index: i,
    requested,
    measured: Object.fromEntries(measuredColumns.map(([name, c]) => [name, predicted.rows[i][c]])),
  }));
  return { contextAttributes: context.header, rows };
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

/** `mg3d report DIR`: the report of a finished run folder, from its CSVs. */
export async function reportRunFolder(dir: string): Promise<{ report: ConditioningReport; files: string[] }> {
  const { contextAttributes, rows } = readConditioningRows(dir);
  const report = conditioningReport(contextAttributes, rows);
  if (!report.attributes.length) {
    throw new UsageError(`report: the measured columns of ${join(dir, PREDICTED_CSV)} cover none of the context attributes (${contextAttributes.join(', ')})`);
  }
  return { report, files: await writeConditioningReport(dir, report) };
}
