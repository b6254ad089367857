import { FormatError, GpuError, UsageError } from '../errors.js';
import { createNodeRuntime } from '../runtime/node.js';
import type { Runtime } from '../runtime/index.js';
import { BENCH_HELP, benchCommand } from './bench-command.js';
import { CHECK_HELP, checkCommand } from './check-command.js';
import type { CommandIo } from './command-io.js';
import { CONVERT_HELP, convertCommand } from './convert-command.js';
import { nearestName, parseFlags, type FlagSpec } from './flags.js';
import { GENERATE_HELP, prepareGenerate, runGenerate } from './generate-command.js';
import { MEASURE_HELP, measureCommand } from './measure-command.js';
import { PROFILE_HELP, profileCommand } from './profile-command.js';
import { REPORT_HELP, reportCommand } from './report-command.js';
import { stderrIsTerminal } from './terminal.js';

const HELP = `mg3d: MicroGen3D on WebGPU

  mg3d generate  conditioned microstructures from a model folder
  mg3d convert   PyTorch checkpoints -> model folder
  mg3d measure   GraSPI descriptors of volume files (phase maps or raw volumes)
  mg3d check     parity against a fixture folder
  mg3d bench     speed and memory on random weights in the published shapes (npm start)
  mg3d profile   GPU time per kernel of one UNet step (timestamp queries)
  mg3d report    requested vs measured descriptors of a run folder: R^2, MAE, plots
  mg3d help CMD  details of one command

GPU selection: --backend vulkan|opengl|metal|d3d12 and --adapter NAME, a part of
the adapter's name (or MG3D_BACKEND / MG3D_ADAPTER); a name that matches none
lists the adapters there are. Several GPUs or machines: generate --shard K/N.

Results go to stdout; the adapter line, warnings and progress to stderr. A
mistake is one 'mg3d:' line and exit code 2.`;

const HELPS: Record<string, string> = {
  generate: GENERATE_HELP,
  measure: MEASURE_HELP,
  convert: CONVERT_HELP,
  check: CHECK_HELP,
  bench: BENCH_HELP,
  profile: PROFILE_HELP,
  report: REPORT_HELP,
};

const out = (line: string) => process.stdout.write(line + '\n');
const io: CommandIo = { out, warn: (line) => process.stderr.write(line + '\n') };
/** Progress goes to a terminal only; redirected runs stay quiet. */
const status = (line: string) => {
  if (stderrIsTerminal()) process.stderr.write(`\r\x1b[2K${line}`);
};

async function withRuntime<T>(flags: { backend?: string; adapter?: string }, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await createNodeRuntime({ backend: flags.backend, adapter: flags.adapter });
  try {
    return await fn(rt);
  } finally {
    if (stderrIsTerminal()) process.stderr.write('\r\x1b[2K');
    rt.destroy();
  }
}

const COMMON_OPTIONS = { backend: 'string', adapter: 'string' } as const;

/** Each command's own flags: a flag of another command is an error, not silently ignored. */
const COMMAND_OPTIONS = {
  convert: {
    out: 'string',
    vae: 'string',
    fp: 'string',
    ddpm: 'string',
    preset: 'string',
    'image-shape': 'string',
    'latent-shape': 'string',
    'first-layer-downsample': 'string',
    attributes: 'string',
    'context-attributes': 'string',
    'attribute-ranges': 'string',
  },
  generate: {
    ...COMMON_OPTIONS,
    model: 'string',
    context: 'string',
    random: 'string',
    from: 'string',
    samples: 'string',
    batch: 'string',
    seed: 'string',
    threshold: 'string',
    precision: 'string',
    sampler: 'string',
    steps: 'string',
    eta: 'string',
    npy: 'boolean',
    measure: 'boolean',
    'no-measure': 'boolean',
    resume: 'boolean',
    shard: 'string',
    out: 'string',
  },
  check: { ...COMMON_OPTIONS, tolerance: 'string', cases: 'string', precision: 'string' },
  measure: { ...COMMON_OPTIONS, threshold: 'string', periodic: 'boolean', 'pixel-size': 'string', json: 'boolean' },
  bench: { ...COMMON_OPTIONS, variant: 'string', 'n-feat': 'string', precision: 'string', batches: 'string', steps: 'string', samplers: 'string', 'time-budget': 'string', json: 'string' },
  profile: { ...COMMON_OPTIONS, variant: 'string', 'n-feat': 'string', precision: 'string', batch: 'string', decoder: 'boolean', top: 'string', json: 'string' },
  report: { ...COMMON_OPTIONS },
} as const satisfies Record<string, FlagSpec>;
type Command = keyof typeof COMMAND_OPTIONS;

/** How many positional arguments each command takes. */
const POSITIONALS: Record<Command, number> = { convert: 1, generate: 0, check: 1, measure: Infinity, bench: 0, profile: 0, report: 1 };

function parse<C extends Command>(command: C, args: string[]) {
  const flags = parseFlags(command, args, COMMAND_OPTIONS[command] as (typeof COMMAND_OPTIONS)[C], COMMAND_OPTIONS);
  const extra = flags.positional.slice(POSITIONALS[command]);
  if (extra.length) throw new UsageError(`${command}: unexpected argument '${extra[0]}'; see mg3d help ${command}`);
  return flags;
}

function suggestCommand(name: string): string {
  const nearest = nearestName(name, Object.keys(HELPS));
  return nearest ? ` (did you mean ${nearest}?)` : '';
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    const topic = rest[0];
    if (topic !== undefined && !Object.hasOwn(HELPS, topic)) throw new UsageError(`help: unknown command '${topic}'${suggestCommand(topic)}; commands: ${Object.keys(HELPS).join(', ')}`);
    out(topic === undefined ? HELP : HELPS[topic]!);
    return 0;
  }
  if (!Object.hasOwn(COMMAND_OPTIONS, command)) throw new UsageError(`unknown command '${command}'${suggestCommand(command)}; run mg3d help`);
  if (rest.includes('--help') || rest.includes('-h')) {
    out(HELPS[command] ?? HELP);
    return 0;
  }
  switch (command as Command) {
    case 'convert':
      await convertCommand(parse('convert', rest), out);
      return 0;
    case 'generate': {
      const flags = parse('generate', rest);
      const job = prepareGenerate(flags, io);
      // First Ctrl-C: finish cleanly (only complete samples stay); second: exit now.
      const stop = new AbortController();
      process.on('SIGINT', () => {
        if (!stop.signal.aborted) return stop.abort(new Error('interrupted'));
        job.outDir.release();
        process.exit(130);
      });
      try {
        return await withRuntime(flags, (rt) => runGenerate(rt, job, io, stop.signal));
      } finally {
        job.outDir.release();
      }
    }
    case 'check': {
      const flags = parse('check', rest);
      return withRuntime(flags, (rt) => checkCommand(rt, flags, io, status));
    }
    case 'measure': {
      const flags = parse('measure', rest);
      return withRuntime(flags, (rt) => measureCommand(rt, flags, out, status));
    }
    case 'bench': {
      const flags = parse('bench', rest);
      return benchCommand(flags, out, status, () => createNodeRuntime({ backend: flags.backend, adapter: flags.adapter }));
    }
    case 'profile': {
      const flags = parse('profile', rest);
      return withRuntime(flags, (rt) => profileCommand(rt, flags, io, status));
    }
    case 'report': {
      const flags = parse('report', rest);
      return reportCommand(flags, out, status, () => createNodeRuntime({ backend: flags.backend, adapter: flags.adapter }));
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const known = e instanceof UsageError || e instanceof FormatError || e instanceof GpuError;
    if (known) {
      console.error(`mg3d: ${(e as Error).message}`);
      process.exitCode = 2;
    } else {
      console.error(e);
      process.exitCode = 1;
    }
  },
);
