import { UsageError } from '../errors.js';
import { reportLines } from '../report/conditioning.js';
import { measureRunPhases, runPhaseFiles } from '../report/measure-run.js';
import { reportRunFolder, REPORT_STEM } from '../report/run-folder.js';
import type { Runtime } from '../runtime/index.js';

export const REPORT_HELP = `mg3d report OUT_DIR

The conditioning report of a finished run folder (mg3d generate --out OUT_DIR):
for each context attribute, requested (inputs_context.csv) against measured
(the measured_* columns of outputs_predicted.csv; for a run made with
--no-measure, the GraSPI descriptors of its sample_NNNNN_phases.vti files,
measured now on the GPU), the coefficient of determination
R^2 = 1 - sum (measured - requested)^2 / sum (requested - mean)^2
(the fit to the line y = x) and the mean absolute error, printed, and written
to OUT_DIR as ${REPORT_STEM}.json with scatter plots and the y = x line as
${REPORT_STEM}.svg and ${REPORT_STEM}.png. generate writes the same report
at the end of every measured run of more than one sample.`;

export async function reportCommand(
  f: { positional: string[] },
  out: (line: string) => void,
  status: (line: string) => void,
  createRuntime: () => Promise<Runtime>,
): Promise<number> {
  const [dir] = f.positional;
  if (!dir) throw new UsageError('report: give a run folder (mg3d generate --out DIR)');
  let rt: Runtime | undefined;
  try {
    const { report, files } = await reportRunFolder(dir, async (samples) => {
      const run = runPhaseFiles(dir, samples);
      out(`${dir}: no measured_* columns (made with --no-measure); measuring its ${samples} phase files`);
      rt = await createRuntime();
      return measureRunPhases(rt, run, (done) => status(`measured ${done} of ${samples}`));
    });
    status('');
    for (const line of reportLines(report)) out(line);
    out(`wrote ${files.join(', ')} to ${dir}`);
    return 0;
  } finally {
    rt?.destroy();
  }
}
