/**
 * The engine against PyTorch on the CPU: one UNet evaluation on the CH latent
 * (4 x 8 x 8 x 4) with the same random weights, at several widths and batches.
 *
 *   node bench/run.mjs compare.ts [--n-feat 64,128,512] [--batches 1,4] [--repeats 5]
 *                                 [--time-budget 150] [--json out/compare-results.json]
 *
 * Each width's model folder (as `mg3d convert` writes it) goes to a temporary
 * folder. The engine runs first, every case, and writes its inputs and output
 * as .npy; its device is destroyed before bench/torch_peer.py starts, so the
 * two never share the CPU. The peer checks its output against the engine's
 * and times PyTorch stock and at its best (see that file). A case whose
 * engine time is estimated (from batch 1 at that width) past --time-budget
 * seconds is skipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { memorySource, randomModelFiles } from '../src/bench/bench-models.js';
import { unetFlops } from '../src/bench/model-flops.js';
import { formatNumber } from '../src/bench/table.js';
import { median, timeRuns } from '../src/bench/timing.js';
import { buildUnetStep, unetInputs, writeUnetInputs } from '../src/bench/unet-step.js';
import { parseIntList, parseNumber } from '../src/cli/args.js';
import { writeNpy } from '../src/io/npy.js';
import { loadNetworks, type LoadedNetworks } from '../src/models/model.js';
import { Graph, type Runtime } from '../src/runtime/index.js';
import { createNodeRuntime } from '../src/runtime/node.js';

const PYTHON = '/usr/bin/python3';
/** float32 engines agree with PyTorch to ~1e-6 relative on these networks (MODEL.md); 1e-5 leaves room for summation order. */
const EQUIVALENCE_TOLERANCE = 1e-5;
const PEER = join(import.meta.dirname, 'torch_peer.py');

interface PeerCase {
  name: string;
  model: string;
  batch: number;
  x: string;
  t: string;
  c: string;
  eps: string;
}

interface PeerResult {
  name: string;
  engineVsStock: number;
  bestVsStock: number;
  stockMs: number[];
  bestMs: number[];
  stockMedianMs: number;
  bestMedianMs: number;
}

interface CaseResult {
  nFeat: number;
  batch: number;
  gflop: number;
  engineMs?: number[];
  engineMedianMs?: number;
  torch?: PeerResult;
  skipped?: string;
}

const { values } = parseArgs({
  options: {
    'n-feat': { type: 'string', default: '64,128,512' },
    batches: { type: 'string', default: '1,4' },
    repeats: { type: 'string', default: '5' },
    'time-budget': { type: 'string', default: '150' },
    json: { type: 'string', default: 'out/compare-results.json' },
  },
});
const widths = parseIntList('n-feat', values['n-feat']);
const batches = parseIntList('batches', values.batches).sort((a, b) => a - b);
const repeats = parseNumber('repeats', values.repeats, { min: 1, integer: true });
const budgetSeconds = parseNumber('time-budget', values['time-budget'], { min: 0 });

/** Times the engine's UNet on one batch and leaves its inputs and output in `dir` for the peer. */
async function engineCase(rt: Runtime, nets: LoadedNetworks, batch: number, dir: string): Promise<number[]> {
  const unet = nets.unet!;
  const latent = nets.config.latentShape;
  const g = new Graph(rt);
  try {
    const step = buildUnetStep(g, unet, latent, batch);
    const inputs = unetInputs(unet, latent, batch);
    writeUnetInputs(rt, step, inputs);
    g.run();
    const eps = await rt.download(step.eps);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'x.npy'), writeNpy(step.x.shape, inputs.x));
    writeFileSync(join(dir, 't.npy'), writeNpy(step.t.shape, inputs.t));
    writeFileSync(join(dir, 'c.npy'), writeNpy(step.c.shape, inputs.c));
    writeFileSync(join(dir, 'eps.npy'), writeNpy(step.eps.shape, eps));
    return await timeRuns(rt, () => g.run(), repeats);
  } finally {
    g.release();
  }
}

function command(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function machine(): Record<string, string | number> {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown';
  return {
    nproc: command('nproc', []),
    availableParallelism: availableParallelism(),
    cpu,
    mesaVulkanDrivers: command('dpkg-query', ['-W', '-f', '${Version}', 'mesa-vulkan-drivers']),
    node: process.version,
  };
}

const root = mkdtempSync(join(tmpdir(), 'mg3d-compare-'));
const results: CaseResult[] = [];
const peerCases: PeerCase[] = [];
let adapter = 'unknown';
const load = { atStart: loadavg()[0], beforeTorch: NaN, atEnd: NaN };
try {
  for (const nFeat of widths) {
    const model = join(root, `n${nFeat}`);
    mkdirSync(model, { recursive: true });
    const files = randomModelFiles('ch', nFeat, ['ddpm']);
    for (const [name, bytes] of files) writeFileSync(join(model, name), bytes);
    const rt = await createNodeRuntime();
    try {
      adapter = rt.adapterName;
      const nets = await loadNetworks(rt, memorySource(files));
      const gflopPerSample = unetFlops(nets.config.latentShape, nFeat, nets.unet!.shape.contextSize) / 1e9;
      let msPerSample: number | undefined;
      for (const batch of batches) {
        const r: CaseResult = { nFeat, batch, gflop: gflopPerSample * batch };
        results.push(r);
        const estimate = msPerSample === undefined ? 0 : (msPerSample * batch * (1 + repeats)) / 1000;
        if (estimate > budgetSeconds) {
          r.skipped = `engine estimated at ${estimate.toFixed(0)} s, over --time-budget ${budgetSeconds} s`;
          continue;
        }
        console.error(`engine: n_feat ${nFeat}, batch ${batch}`);
        const name = `n${nFeat}-b${batch}`;
        const dir = join(root, name);
        r.engineMs = await engineCase(rt, nets, batch, dir);
        r.engineMedianMs = median(r.engineMs);
        msPerSample ??= r.engineMedianMs / batch;
        const npy = (k: string) => join(dir, `${k}.npy`);
        peerCases.push({ name, model, batch, x: npy('x'), t: npy('t'), c: npy('c'), eps: npy('eps') });
      }
    } finally {
      rt.destroy();
    }
  }

  // Only now, with every engine device destroyed: PyTorch gets the CPU to itself.
  load.beforeTorch = loadavg()[0];
  const manifest = join(root, 'manifest.json');
  writeFileSync(manifest, JSON.stringify({ repeats, cases: peerCases }));
  const peer = spawnSync(PYTHON, [PEER, manifest], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 2 ** 26 });
  if (peer.status !== 0) throw new Error(`${PYTHON} ${PEER} failed (exit ${peer.status}${peer.error ? `: ${peer.error.message}` : ''})`);
  const torch = JSON.parse(peer.stdout) as { torch: string; threads: number; cases: PeerResult[] };
  for (const r of results) r.torch = torch.cases.find((c) => c.name === `n${r.nFeat}-b${r.batch}`);
  load.atEnd = loadavg()[0];

  const report = {
    format: 'mg3d-compare',
    version: 1,
    date: new Date().toISOString(),
    machine: { ...machine(), adapter, torch: torch.torch, torchThreads: torch.threads },
    loadAverage1min: load,
    settings: { latent: 'CH 4x8x8x4', widths, batches, repeats, budgetSeconds },
    cases: results,
  };
  mkdirSync(dirname(values.json), { recursive: true });
  writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
  printMarkdown(report.machine, results);
  console.log(`\nwrote ${values.json}`);
  const worst = Math.max(...results.flatMap((r) => (r.torch ? [r.torch.engineVsStock] : [])));
  if (worst > EQUIVALENCE_TOLERANCE) {
    console.log(`the engine and PyTorch disagree: relative error ${worst.toExponential(1)} > ${EQUIVALENCE_TOLERANCE}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

function printMarkdown(m: Record<string, string | number>, cases: CaseResult[]): void {
  const ms = (v: number | undefined) => (v === undefined ? '-' : formatNumber(v));
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '-' : (a / b).toFixed(2));
  console.log(`${new Date().toISOString().slice(0, 10)}; ${m.nproc} CPUs (${m.cpu}); ${m.adapter}; mesa-vulkan-drivers ${m.mesaVulkanDrivers}; torch ${m.torch}, ${m.torchThreads} threads`);
  console.log(`1-minute load average: ${load.atStart.toFixed(1)} at the start, ${load.beforeTorch.toFixed(1)} before PyTorch, ${load.atEnd.toFixed(1)} at the end`);
  console.log(`UNet evaluation on the CH latent 4x8x8x4; medians of ${repeats} runs after 1 warm-up; ratio = engine ms / PyTorch ms (above 1: the engine is slower)\n`);
  console.log(
    '| n_feat | batch | GFLOP | engine ms | stock ms | best ms | engine/stock | engine/best | engine GFLOP/s | best GFLOP/s | engine vs stock (rel. err.) | best vs stock |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of cases) {
    if (c.skipped) {
      console.log(`| ${c.nFeat} | ${c.batch} | ${formatNumber(c.gflop)} | skipped: ${c.skipped} | | | | | | | | |`);
      continue;
    }
    const t = c.torch;
    const rate = (v: number | undefined) => (v === undefined ? '-' : formatNumber(c.gflop / (v / 1000)));
    console.log(
      `| ${c.nFeat} | ${c.batch} | ${formatNumber(c.gflop)} | ${ms(c.engineMedianMs)} | ${ms(t?.stockMedianMs)} | ${ms(t?.bestMedianMs)} | ` +
        `${ratio(c.engineMedianMs, t?.stockMedianMs)} | ${ratio(c.engineMedianMs, t?.bestMedianMs)} | ${rate(c.engineMedianMs)} | ${rate(t?.bestMedianMs)} | ` +
        `${t ? t.engineVsStock.toExponential(1) : '-'} | ${t ? t.bestVsStock.toExponential(1) : '-'} |`,
    );
  }
}
