import { UsageError } from '../errors.js';
import { reportLines } from '../report/conditioning.js';
import { reportRunFolder, REPORT_STEM } from '../report/run-folder.js';

export const REPORT_HELP = `mg3d report OUT_DIR

The conditioning report of a finished run folder (mg3d generate --out OUT_DIR):
for each context attribute, requested (inputs_context.csv) against measured
(the measured_* columns of outputs_predicted.csv), the coefficient of
determination R^2 = 1 - sum (measured - requested)^2 / sum (requested - mean)^2
(the fit to the line y = x) and the mean absolute error, printed, and written
to OUT_DIR as ${REPORT_STEM}.json with scatter plots and the y = x line as
${REPORT_STEM}.svg and ${REPORT_STEM}.png. generate writes the same report
at the end of every measured run of more than one sample.`;

export async function reportCommand(f: { positional: string[] }, out: (line: string) => void): Promise<number> {
  const [dir] = f.positional;
  if (!dir) throw new UsageError('report: give a run folder (mg3d generate --out DIR)');
  const { report, files } = await reportRunFolder(dir);
  for (const line of reportLines(report)) out(line);
  out(`wrote ${files.join(', ')} to ${dir}`);
  return 0;
}
