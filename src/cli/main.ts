import { parseArgs } from 'node:util';
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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out(HELPS[rest[0] ?? ''] ?? HELP);
    return 0;
  }
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      backend: { type: 'string' },
      adapter: { type: 'string' },
      out: { type: 'string' },
      vae: { type: 'string' },
      fp: { type: 'string' },
      ddpm: { type: 'string' },
      preset: { type: 'string' },
      'image-shape': { type: 'string' },
      'latent-shape': { type: 'string' },
      'first-layer-downsample': { type: 'string' },
      attributes: { type: 'string' },
      'context-attributes': { type: 'string' },
      tolerance: { type: 'string' },
      cases: { type: 'string' },
      model: { type: 'string' },
      context: { type: 'string' },
      random: { type: 'string' },
      from: { type: 'string' },
      samples: { type: 'string' },
      batch: { type: 'string' },
      seed: { type: 'string' },
      threshold: { type: 'string' },
      npy: { type: 'boolean' },
      resume: { type: 'boolean' },
      variant: { type: 'string' },
      'n-feat': { type: 'string' },
      batches: { type: 'string' },
      steps: { type: 'string' },
      'time-budget': { type: 'string' },
      json: { type: 'string' },
      decoder: { type: 'boolean' },
      top: { type: 'string' },
    },
  });
  if (values.help) {
    out(HELPS[command] ?? HELP);
    return 0;
  }
  const flags = { ...values, positional: positionals };
  switch (command) {
    case 'convert':
      await convertCommand(flags, out);
      return 0;
    case 'generate': {
      // First Ctrl-C: finish cleanly (only complete samples stay); second: exit now.
      const stop = new AbortController();
      process.on('SIGINT', () => (stop.signal.aborted ? process.exit(130) : stop.abort(new Error('interrupted'))));
      return withRuntime(flags, (rt) => generateCommand(rt, flags, out, stop.signal));
    }
    case 'check':
      return withRuntime(flags, (rt) => checkCommand(rt, flags, out, status));
    case 'bench':
      return benchCommand(flags, out, status, () => createNodeRuntime({ backend: flags.backend, adapter: flags.adapter }));
    case 'profile':
      return withRuntime(flags, (rt) => profileCommand(rt, flags, out, status));
    default:
      throw new UsageError(`unknown command '${command}'; run mg3d help`);
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
