import type { TopLevelSpec } from 'vega-lite';
import type { AttributeFit, ConditioningReport } from './conditioning.js';

/** Panel side in CSS pixels; the PNG is rendered at twice this. */
const PANEL = 240;

function panelTitle(a: AttributeFit): string[] {
  const r2 = a.r2 === null ? 'R² n/a' : `R² = ${a.r2.toFixed(3)}`;
  return [a.attribute, `${r2}, MAE = ${a.meanAbsoluteError.toPrecision(3)}`];
}

/** Both axes span the same range, so the y = x line is the diagonal of a square panel. */
function commonDomain(a: AttributeFit): [number, number] {
  const values = a.points.flatMap((p) => [p.requested, p.measured]);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const pad = Math.max((high - low) * 0.05, 0.01);
  return [low - pad, high + pad];
}

function panel(a: AttributeFit) {
  const domain = commonDomain(a);
  const scale = { domain, nice: false, zero: false };
  return {
    title: { text: panelTitle(a), fontSize: 13 },
    width: PANEL,
    height: PANEL,
    layer: [
      {
        data: { values: domain.map((v) => ({ requested: v, measured: v })) },
        mark: { type: 'line' as const, color: '#888', strokeDash: [5, 4] },
        encoding: {
          x: { field: 'requested', type: 'quantitative' as const, scale },
          y: { field: 'measured', type: 'quantitative' as const, scale },
        },
      },
      {
        data: { values: a.points },
        mark: { type: 'point' as const, filled: true, opacity: 0.7, size: 40, color: '#1f5fa8' },
        encoding: {
          x: { field: 'requested', type: 'quantitative' as const, scale, title: `requested ${a.attribute}` },
          y: { field: 'measured', type: 'quantitative' as const, scale, title: `measured ${a.attribute}` },
          tooltip: [{ field: 'index', title: 'sample' }, { field: 'requested' }, { field: 'measured' }],
        },
      },
    ],
  };
}

/** The report's figure: one requested-vs-measured scatter with the y = x line per context attribute, side by side. */
export function conditioningPlotSpec(report: ConditioningReport): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Requested vs measured descriptors (${report.samples} samples)`, fontSize: 15 },
    background: 'white',
    padding: 12,
    config: { font: 'DejaVu Sans, Helvetica, Arial, sans-serif' },
    hconcat: report.attributes.map(panel),
  };
}

/** Renders the figure as SVG text, headless (no DOM or canvas needed: same in Node and browsers). */
export async function conditioningPlotSvg(report: ConditioningReport): Promise<string> {
  // Loaded on first use: vega takes ~0.2 s to import, which no other command should pay.
  const [{ parse, View }, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new View(parse(compile(conditioningPlotSpec(report)).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
