/**
 * The conditioning report: how closely generated structures have the
 * descriptors they were asked for (the paper's Fig. 3 and its R^2).
 */

/** Column prefix of measured descriptors in outputs_predicted.csv (measured_ABS_f_D, ...). */
export const MEASURED_PREFIX = 'measured_';

/** One sample: what it was asked for (context order) and what was measured on it, by descriptor name. */
export interface ConditioningRow {
  index: number;
  requested: readonly number[];
  measured: Readonly<Record<string, number>>;
}

export interface AttributeFit {
  attribute: string;
  /** Coefficient of determination of measured against requested (the y = x line); null when every request was the same. */
  r2: number | null;
  meanAbsoluteError: number;
  points: { index: number; requested: number; measured: number }[];
}

export interface ConditioningReport {
  samples: number;
  attributes: AttributeFit[];
}

/**
 * R^2 = 1 - sum (m - r)^2 / sum (r - mean r)^2: the score of "measured equals
 * requested", as sklearn's r2_score(requested, measured). It is not the square
 * of a correlation: a fitted line other than y = x is not rewarded.
 */
export function r2Score(requested: readonly number[], measured: readonly number[]): number | null {
  const mean = requested.reduce((a, b) => a + b, 0) / requested.length;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    residual += (measured[i] - requested[i]) ** 2;
    total += (requested[i] - mean) ** 2;
  }
  return total > 0 ? 1 - residual / total : null;
}

export function meanAbsoluteError(requested: readonly number[], measured: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < requested.length; i++) sum += Math.abs(measured[i] - requested[i]);
  return sum / requested.length;
}

/**
 * Fits every context attribute measured on all rows. Every model's context
 * attributes are descriptor names of src/descriptors (GraSPI's two-phase names;
 * the CH 3-phase ones in its three-phase set), so each is measured under its own name.
 */
export function conditioningReport(contextAttributes: readonly string[], rows: readonly ConditioningRow[]): ConditioningReport {
  const attributes = contextAttributes.flatMap((attribute, k): AttributeFit[] => {
    if (!rows.length || rows.some((r) => !Number.isFinite(r.measured[attribute]))) return [];
    const requested = rows.map((r) => r.requested[k]);
    const measured = rows.map((r) => r.measured[attribute]);
    return [
      {
        attribute,
        r2: r2Score(requested, measured),
        meanAbsoluteError: meanAbsoluteError(requested, measured),
        points: rows.map((r, i) => ({ index: r.index, requested: requested[i], measured: measured[i] })),
      },
    ];
  });
  return { samples: rows.length, attributes };
}

/** One line per attribute, for the terminal. */
export function reportLines(report: ConditioningReport): string[] {
  const width = Math.max(9, ...report.attributes.map((a) => a.attribute.length));
  return [
    `conditioning over ${report.samples} samples (requested vs measured):`,
    `  ${'attribute'.padEnd(width)}  ${'R^2'.padStart(9)}  ${'MAE'.padStart(9)}`,
    ...report.attributes.map(
      (a) => `  ${a.attribute.padEnd(width)}  ${(a.r2 === null ? 'n/a' : a.r2.toFixed(4)).padStart(9)}  ${a.meanAbsoluteError.toPrecision(4).padStart(9)}`,
    ),
    ...(report.attributes.some((a) => a.r2 === null) ? ['  (n/a: every sample requested the same value, so R^2 is undefined)'] : []),
  ];
}
