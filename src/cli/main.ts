import { parseArgs, type ParseArgsConfig } from 'node:util';
import { FormatError, GpuError, UsageError } from '../errors.js';
import { createNodeRuntime } from '../runtime/node.js';
import type { Runtime } from '../runtime/index.js';
import { BENCH_HELP, benchCommand } from './bench-command.js';
import { CHECK_HELP, checkCommand } from './check-command.js';
import { CONVERT_HELP, convertCommand } from './convert-command.js';
import { GENERATE_HELP, generateCommand } from './generate-command.js';
import { PROFILE_HELP, profileCommand } from './profile-command.js';

const HELP = `mg3d: MicroGen3D on WebGPU

  mg3d generate  conditioned microstructures from a model folder
  mg3d convert   PyTorch checkpoints -> model folder
  mg3d check     parity against a fixture folder
  mg3d bench     speed and memory on random weights in the published shapes (npm start)
  mg3d profile   GPU time per kernel of one UNet step (timestamp queries)
  mg3d help CMD  details of one command

GPU selection: --backend vulkan|opengl|metal|d3d12 and --adapter NAME
(or MG3D_BACKEND / MG3D_ADAPTER).`;

const HELPS: Record<string, string> = {
  generate: GENERATE_HELP,
  convert: CONVERT_HELP,
  check: CHECK_HELP,
  bench: BENCH_HELP,
  profile: PROFILE_HELP,
};

const out = (line: string) => process.stdout.write(line + '\n');
/** Progress goes to a terminal only; redirected runs stay quiet. */
const status = (line: string) => {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
};

async function withRuntime<T>(flags: { backend?: string; adapter?: string }, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = await createNodeRuntime({ backend: flags.backend, adapter: flags.adapter });
  try {
    return await fn(rt);
  } finally {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[2K');
    rt.destroy();
  }
}

const text = { type: 'string' } as const;
const flag = { type: 'boolean' } as const;
const COMMON_OPTIONS = { backend: text, adapter: text } as const;

/** Each command's own flags: a flag of another command is an error, not silently ignored. */
const COMMAND_OPTIONS = {
  convert: {
    out: text,
    vae: text,
    fp: text,
    ddpm: text,
    preset: text,
    'image-shape': text,
    'latent-shape': text,
    'first-layer-downsample': text,
    attributes: text,
    'context-attributes': text,
    'attribute-ranges': text,
  },
  generate: {
    model: text,
    context: text,
    random: text,
    from: text,
    samples: text,
    batch: text,
    seed: text,
    threshold: text,
    precision: text,
    sampler: text,
    steps: text,
    eta: text,
    npy: flag,
    resume: flag,
    out: text,
  },
  check: { tolerance: text, cases: text, precision: text },
  bench: { variant: text, 'n-feat': text, precision: text, batches: text, steps: text, 'time-budget': text, json: text },
  profile: { variant: text, 'n-feat': text, precision: text, batch: text, decoder: flag, top: text },
} as const;
type Command = keyof typeof COMMAND_OPTIONS;

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], own: O) {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, strict: true, options: { ...COMMON_OPTIONS, ...own } });
  return { ...values, positional: positionals };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out(HELPS[rest[0] ?? ''] ?? HELP);
    return 0;
  }
  if (!(command in COMMAND_OPTIONS)) throw new UsageError(`unknown command '${command}'; run mg3d help`);
  if (rest.includes('--help') || rest.includes('-h')) {
    out(HELPS[command] ?? HELP);
    return 0;
  }
  switch (command as Command) {
    case 'convert':
      await convertCommand(parse(rest, COMMAND_OPTIONS.convert), out);
      return 0;
    case 'generate': {
      const flags = parse(rest, COMMAND_OPTIONS.generate);
      // First Ctrl-C: finish cleanly (only complete samples stay); second: exit now.
      const stop = new AbortController();
      process.on('SIGINT', () => (stop.signal.aborted ? process.exit(130) : stop.abort(new Error('interrupted'))));
      return withRuntime(flags, (rt) => generateCommand(rt, flags, out, stop.signal));
    }
    case 'check': {
      const flags = parse(rest, COMMAND_OPTIONS.check);
      return withRuntime(flags, (rt) => checkCommand(rt, flags, out, status));
    }
    case 'bench': {
      const flags = parse(rest, COMMAND_OPTIONS.bench);
      return benchCommand(flags, out, status, () => createNodeRuntime({ backend: flags.backend, adapter: flags.adapter }));
    }
    case 'profile': {
      const flags = parse(rest, COMMAND_OPTIONS.profile);
      return withRuntime(flags, (rt) => profileCommand(rt, flags, out, status));
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const known = e instanceof UsageError || e instanceof FormatError || e instanceof GpuError;
    const isArgError = e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('ERR_PARSE_ARGS');
    if (known || isArgError) {
      console.error(`mg3d: ${(e as Error).message}`);
      process.exitCode = 2;
    } else {
      console.error(e);
      process.exitCode = 1;
    }
  },
);
