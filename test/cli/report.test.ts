import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/cli/report-command.js';
import { UsageError, FormatError } from '../../src/errors.js';
import { formatCsv } from '../../src/io/csv.js';

const root = mkdtempSync(join(tmpdir(), 'mg3d-report-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const CONTEXT = ['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1'];

/** A run folder as generate --measure leaves it: requested contexts and predicted + measured columns. */
function runFolder(name: string, requested: number[][], measured: number[][], measuredNames = CONTEXT.map((a) => `measured_${a}`)): string {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'inputs_context.csv'), formatCsv(CONTEXT, requested));
  writeFileSync(join(dir, 'outputs_predicted.csv'), formatCsv([...CONTEXT, ...measuredNames], requested.map((r, i) => [...r, ...measured[i]])));
  return dir;
}

describe('mg3d report', () => {
  it('prints R^2 and MAE per attribute and writes the numbers, an SVG and a PNG', async () => {
    const requested = Array.from({ length: 12 }, (_, i) => [0.3 + 0.03 * i, 0.2 + 0.05 * i, 0.9 - 0.04 * i]);
    const measured = requested.map((r, i) => r.map((v) => v + (i % 2 ? 0.01 : -0.01)));
    const dir = runFolder('good', requested, measured);
    const lines: string[] = [];
    expect(await reportCommand({ positional: [dir] }, (l) => lines.push(l))).toBe(0);
    expect(lines[0]).toBe('conditioning over 12 samples (requested vs measured):');
    expect(lines.slice(2, 5).map((l) => l.trim().split(/ +/)[0])).toEqual(CONTEXT);
    expect(lines[2]).toMatch(/ABS_f_D +0\.9\d{3} +0\.01000$/);

    const report = JSON.parse(readFileSync(join(dir, 'conditioning_report.json'), 'utf8'));
    expect(report.attributes.map((a: { attribute: string }) => a.attribute)).toEqual(CONTEXT);
    expect(report.attributes[0].meanAbsoluteError).toBeCloseTo(0.01, 6);
    expect(report.attributes[0].points).toHaveLength(12);

    const svg = readFileSync(join(dir, 'conditioning_report.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    for (const a of CONTEXT) expect(svg).toContain(`measured ${a}`);
    expect(svg).toContain('R² = 0.9');
    // 12 points in each of the 3 panels.
    expect(svg.match(/role-mark[^>]*>/g)?.length).toBeGreaterThanOrEqual(6);
    const png = readFileSync(join(dir, 'conditioning_report.png'));
    expect(png.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toBe(true);
    // Drawn at twice the SVG's size.
    const svgWidth = Number(/width="(\d+)"/.exec(svg)![1]);
    expect(png.readUInt32BE(16)).toBe(2 * svgWidth);
    // Same run, same bytes (vega numbers some element ids per process; the figure uses none).
    await reportCommand({ positional: [dir] }, () => {});
    expect(readFileSync(join(dir, 'conditioning_report.svg'), 'utf8')).toBe(svg);
    expect(readFileSync(join(dir, 'conditioning_report.png')).equals(png)).toBe(true);
  });

  it('refuses a folder that is not a measured run, naming the file and what is missing', async () => {
    const out = () => {};
    await expect(reportCommand({ positional: [join(root, 'missing')] }, out)).rejects.toThrow(UsageError);
    await expect(reportCommand({ positional: [join(root, 'missing')] }, out)).rejects.toThrow(/has no inputs_context.csv/);
    const unmeasured = runFolder('unmeasured', [[0.5, 0.2, 0.3]], [[]], []);
    await expect(reportCommand({ positional: [unmeasured] }, out)).rejects.toThrow(/has no measured_\* columns; generate with --measure/);
    const other = runFolder('other', [[0.5, 0.2, 0.3]], [[1]], ['measured_STAT_n']);
    await expect(reportCommand({ positional: [other] }, out)).rejects.toThrow(/cover none of the context attributes/);
    const short = runFolder('short', [[0.5, 0.2, 0.3], [0.5, 0.2, 0.3]], [[1, 1, 1], [1, 1, 1]]);
    writeFileSync(join(short, 'outputs_predicted.csv'), readFileSync(join(short, 'outputs_predicted.csv'), 'utf8').split('\n').slice(0, 2).join('\n'));
    await expect(reportCommand({ positional: [short] }, out)).rejects.toThrow(FormatError);
    await expect(reportCommand({ positional: [short] }, out)).rejects.toThrow(/outputs_predicted.csv: 1 rows, but inputs_context.csv has 2/);
    await expect(reportCommand({ positional: [] }, out)).rejects.toThrow(/give a run folder/);
  });
});
