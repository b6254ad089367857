import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { measureDescriptors, type Descriptors } from '../descriptors/index.js';
import { FormatError, UsageError } from '../errors.js';
import { readFileBytes } from '../io/node-files.js';
import { readVti } from '../io/vti.js';
import type { Runtime } from '../runtime/index.js';

/** The parts of run.json this reads (src/cli/run-record.ts writes it). */
interface RunFile {
  format: string;
  complete: boolean;
  settings: { thresholds: number[] };
  samples: { index: number; files: string[] }[];
}

/** A finished run's phase files (sample_NNNNN_phases.vti) in sample order, and their phase count. */
export interface RunPhaseFiles {
  files: string[];
  phases: 2 | 3;
}

/** Reads run.json to list what `measureRunPhases` measures; checks the run is finished and matches its tables. */
export function runPhaseFiles(dir: string, samples: number): RunPhaseFiles {
  const path = join(dir, 'run.json');
  let run: RunFile;
  try {
    run = JSON.parse(readFileSync(path, 'utf8')) as RunFile;
  } catch (e) {
    throw new UsageError(`report: the run has no measured_* columns, and its ${path} cannot be read to measure its phases (${(e as Error).message.split('\n')[0]})`);
  }
  if (run.format !== 'mg3d-run' || !Array.isArray(run.samples)) throw new FormatError(path, 'not an mg3d run record');
  if (!run.complete || run.samples.length !== samples) {
    throw new UsageError(`report: ${dir} is not a finished run (${run.samples.length} samples recorded, ${samples} in its tables); finish it with generate --resume`);
  }
  const files = [...run.samples]
    .sort((a, b) => a.index - b.index)
    .map((sample) => {
      const name = sample.files.find((f) => f.endsWith('_phases.vti'));
      if (!name) throw new FormatError(path, `sample ${sample.index} lists no _phases.vti file`);
      return join(dir, name);
    });
  return { files, phases: run.settings.thresholds.length === 2 ? 3 : 2 };
}

/** The descriptors of each phase file, for a run made without --measure. */
export async function measureRunPhases(rt: Runtime, run: RunPhaseFiles, progress: (done: number) => void): Promise<Descriptors[]> {
  const out: Descriptors[] = [];
  for (const file of run.files) {
    const volume = readVti(await readFileBytes(file), file);
    const [d, h, w] = volume.shape;
    out.push(await measureDescriptors(rt, { data: Uint8Array.from(volume.data), shape: [d, h, w] }, { phases: run.phases }));
    progress(out.length);
  }
  return out;
}
