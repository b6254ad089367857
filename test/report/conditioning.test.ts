import { describe, expect, it } from 'vitest';
import { descriptorNames } from '../../src/descriptors/index.js';
import { PRESETS } from '../../src/models/config.js';
import { conditioningReport, meanAbsoluteError, r2Score, reportLines } from '../../src/report/conditioning.js';

describe('r2Score', () => {
  it('is 1 for measured = requested and scores the y = x line, not a fitted one', () => {
    const requested = [0.1, 0.2, 0.4, 0.7];
    expect(r2Score(requested, requested)).toBe(1);
    // Perfectly correlated but offset: a correlation would say 1.
    const offset = requested.map((r) => r + 0.1);
    const mean = requested.reduce((a, b) => a + b) / 4;
    const total = requested.reduce((a, r) => a + (r - mean) ** 2, 0);
    expect(r2Score(requested, offset)).toBeCloseTo(1 - (4 * 0.01) / total, 12);
    // Predicting the mean scores 0.
    expect(r2Score(requested, requested.map(() => mean))).toBeCloseTo(0, 12);
  });

  it('is undefined (null) when every request is the same', () => {
    expect(r2Score([0.5, 0.5], [0.4, 0.6])).toBeNull();
  });
});

describe('meanAbsoluteError', () => {
  it('averages |measured - requested|', () => {
    expect(meanAbsoluteError([0, 1, 2], [0.5, 0.5, 2])).toBeCloseTo(1 / 3, 12);
  });
});

describe('conditioningReport', () => {
  it('finds every published model context attribute among the measured descriptors, under its own name', () => {
    for (const [name, preset] of Object.entries(PRESETS)) {
      const measured = descriptorNames(name === 'ch-3phase' ? 3 : 2);
      for (const a of preset.contextAttributes) expect(measured, `${name}: ${a}`).toContain(a);
    }
  });

  const rows = [
    { index: 0, requested: [0.4, 0.2], measured: { ABS_f_D: 0.42, CT_f_D_tort1: 0.25, STAT_n: 10 } },
    { index: 1, requested: [0.6, 0.3], measured: { ABS_f_D: 0.57, CT_f_D_tort1: 0.3, STAT_n: 10 } },
  ];

  it('fits each context attribute against its measured descriptor', () => {
    const report = conditioningReport(['ABS_f_D', 'CT_f_D_tort1'], rows);
    expect(report.samples).toBe(2);
    expect(report.attributes.map((a) => a.attribute)).toEqual(['ABS_f_D', 'CT_f_D_tort1']);
    const [f] = report.attributes;
    expect(f.meanAbsoluteError).toBeCloseTo(0.025, 12);
    expect(f.r2).toBeCloseTo(1 - (0.02 ** 2 + 0.03 ** 2) / 0.02, 12);
    expect(f.points).toEqual([
      { index: 0, requested: 0.4, measured: 0.42 },
      { index: 1, requested: 0.6, measured: 0.57 },
    ]);
  });

  it('leaves out attributes that were not measured on every sample', () => {
    const partial = [rows[0], { ...rows[1], measured: { ABS_f_D: 0.5 } }];
    expect(conditioningReport(['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1'], partial).attributes.map((a) => a.attribute)).toEqual(['ABS_f_D']);
  });

  it('prints one line per attribute and says why an R^2 is missing', () => {
    const same = rows.map((r) => ({ ...r, requested: [0.5, 0.2] }));
    const lines = reportLines(conditioningReport(['ABS_f_D', 'CT_f_D_tort1'], same));
    expect(lines[0]).toBe('conditioning over 2 samples (requested vs measured):');
    expect(lines[2]).toMatch(/^ {2}ABS_f_D +n\/a +0\.07500$/);
    expect(lines.at(-1)).toMatch(/every sample requested the same value/);
  });
});
