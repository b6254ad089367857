/**
 * The engine against PyTorch on the CPU: one UNet evaluation on the CH latent
 * (4 x 8 x 8 x 4) or the experimental one (1 x 8 x 8 x 8) with the same random
 * weights, at several widths and batches.
 *
 *   node bench/run.mjs compare.ts [--variant ch|experimental] [--n-feat 64,128,512] [--batches 1,4] [--repeats 5]
 *                                 [--time-budget 150] [--json out/compare-results.json]
 *                                 [--peer-device cpu|cuda] [--python /usr/bin/python3] [--layers]
 *
 * On a GPU machine, --peer-device cuda times PyTorch eager on the CUDA GPU
 * instead (see bench/torch_peer.py) and --python names the Python with CUDA
 * PyTorch.
 *
 * Each width's model folder (as `mg3d convert` writes it) goes to a temporary
 * folder. Per width, the engine runs every batch and writes its inputs and
 * output as .npy; its device is destroyed before bench/torch_peer.py starts,
 * so the two never share the CPU, and each width's pair runs close together in
 * time, so that both see much the same background load. The peer checks its
 * output against the engine's and times PyTorch stock and at its best (see
 * that file). A case whose engine time is estimated (from the first batch at
 * that width) past --time-budget seconds is skipped. The engine's f16 mode is
 * timed on the same cases too, and its output compared with the engine's f32 output.
 *
 * --layers also sets the convolutions side by side, layer shape by layer
 * shape: the engine's per-dispatch GPU times (mg3d profile's), the other path
 * of each 3x3x3 layer timed alone (Winograd or direct), and PyTorch's time in
 * the same convolutions inside its evaluation, stock and at its best; what
 * is left of each evaluation (norms, activations, linears, copies) is one
 * more row. This is where the gap to PyTorch is, layer by layer.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_VARIANTS, checkUnetWidth, memorySource, benchModelFiles, type BenchVariant } from '../src/perf/bench-models.js';
import { unetFlops } from '../src/perf/model-flops.js';
import { formatNumber } from '../src/perf/table.js';
import { median, timeRuns } from '../src/perf/timing.js';
import { profileGraph } from '../src/perf/kernel-profile.js';
import { buildUnetStep, timeUnetConvPaths, unetInputs } from '../src/perf/unet-step.js';
import type { ConvTiming } from '../src/ops/conv-choice.js';
import { parseIntList, parseNumber } from '../src/cli/args.js';
import { writeNpy } from '../src/io/npy.js';
import { relativeError } from '../src/check.js';
import { UsageError } from '../src/errors.js';
import { PRESETS } from '../src/models/config.js';
import { loadNetworks, type LoadedNetworks } from '../src/models/model.js';
import type { Runtime } from '../src/runtime/index.js';
import { createNodeRuntime } from '../src/runtime/node.js';

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

/** One layer shape's calls per evaluation and each timed evaluation's ms in them (bench/torch_peer.py). */
interface PeerLayer {
  signature: string;
  calls: number;
  ms: number[];
}

interface PeerResult {
  name: string;
  /** Each way's layers, and the whole time of the evaluations they were timed in. */
  layers?: Record<'stock' | 'best', { layers: PeerLayer[]; wholeMs: number[] }>;
  engineVsStock: number;
  bestVsStock: number;
  stockMs: number[];
  bestMs: number[];
  stockMedianMs: number;
  bestMedianMs: number;
}

interface PeerReport {
  torch: string;
  threads: number;
  device: string;
  cases: PeerResult[];
}

interface CaseResult {
  nFeat: number;
  batch: number;
  gflop: number;
  engineMs?: number[];
  engineMedianMs?: number;
  /** The f16 mode on the same inputs, and its relative error against the f32 engine. */
  f16Ms?: number[];
  f16VsF32?: number;
  torch?: PeerResult;
  skipped?: string;
  /** With --layers: the engine's evaluation per kernel signature, and both paths of its 3x3x3 layers. */
  layers?: { kernelMs: number; bySignature: { signature: string; calls: number; ms: number }[]; convPaths: ConvTiming[] };
}

const { values } = parseArgs({
  options: {
    variant: { type: 'string', default: 'ch' },
    'n-feat': { type: 'string', default: '64,128,512' },
    batches: { type: 'string', default: '1,4' },
    repeats: { type: 'string', default: '5' },
    'time-budget': { type: 'string', default: '150' },
    json: { type: 'string', default: 'out/compare-results.json' },
    'peer-device': { type: 'string', default: 'cpu' },
    python: { type: 'string', default: '/usr/bin/python3' },
    layers: { type: 'boolean', default: false },
  },
});
if (!Object.hasOwn(BENCH_VARIANTS, values.variant)) throw new UsageError(`--variant wants ${Object.keys(BENCH_VARIANTS).join(' or ')}, got '${values.variant}'`);
const variant = values.variant as BenchVariant;
const latentName = `${variant === 'ch' ? 'CH' : variant} ${PRESETS[BENCH_VARIANTS[variant]].latentShape.join('x')}`;
const peerDevice = values['peer-device'];
if (peerDevice !== 'cpu' && peerDevice !== 'cuda') throw new UsageError(`--peer-device wants cpu or cuda, got '${peerDevice}'`);
const PYTHON = values.python;
const widths = parseIntList('n-feat', values['n-feat']).map(checkUnetWidth);
const batches = parseIntList('batches', values.batches).sort((a, b) => a - b);
const repeats = parseNumber('repeats', values.repeats, { min: 1, integer: true });
const budgetSeconds = parseNumber('time-budget', values['time-budget'], { min: 0 });
const byLayer = values.layers;

/**
 * Times the engine's UNet on one batch. With `dir`, leaves its inputs and
 * output there for the peer. Returns the times and the output.
 */
async function engineCase(rt: Runtime, nets: LoadedNetworks, batch: number, dir?: string): Promise<{ ms: number[]; eps: Float32Array }> {
  const unet = nets.unet!;
  const latent = nets.config.latentShape;
  const step = buildUnetStep(rt, unet, latent, batch);
  try {
    const inputs = unetInputs(unet, latent, batch);
    const { eps } = await step.evaluate(inputs);
    if (dir) {
      mkdirSync(dir, { recursive: true });
      const { inputs: at, outputs } = step;
      writeFileSync(join(dir, 'x.npy'), writeNpy(at.x.shape, inputs.x));
      writeFileSync(join(dir, 't.npy'), writeNpy(at.t.shape, inputs.t));
      writeFileSync(join(dir, 'c.npy'), writeNpy(at.c.shape, inputs.c));
      writeFileSync(join(dir, 'eps.npy'), writeNpy(outputs.eps.shape, eps));
    }
    return { ms: await timeRuns(rt, () => step.run(), repeats), eps };
  } finally {
    step.dispose();
  }
}

/** The engine's evaluation per kernel signature (GPU time of each dispatch alone) and both paths of every 3x3x3 layer. */
async function engineLayers(rt: Runtime, nets: LoadedNetworks, batch: number): Promise<NonNullable<CaseResult['layers']>> {
  const unet = nets.unet!;
  const latent = nets.config.latentShape;
  const convPaths = await timeUnetConvPaths(rt, unet, latent, batch);
  const step = buildUnetStep(rt, unet, latent, batch);
  try {
    step.write(unetInputs(unet, latent, batch));
    const p = await profileGraph(rt, step.graph);
    return { kernelMs: p.kernelMs, bySignature: p.bySignature.map((g) => ({ signature: g.name, calls: g.calls, ms: g.ms })), convPaths };
  } finally {
    step.dispose();
  }
}

/** Every batch of one width on the engine, on a device of its own that is destroyed at the end. */
async function engineWidth(model: string, files: Map<string, Uint8Array>, nFeat: number): Promise<{ adapter: string; results: CaseResult[]; peerCases: PeerCase[] }> {
  const rt = await createNodeRuntime();
  try {
    const nets = await loadNetworks(rt, memorySource(files));
    const gflopPerSample = unetFlops(nets.config.latentShape, nFeat, nets.unet!.shape.contextSize) / 1e9;
    const results: CaseResult[] = [];
    const peerCases: PeerCase[] = [];
    let msPerSample: number | undefined;
    const f32Eps = new Map<CaseResult, Float32Array>();
    for (const batch of batches) {
      const r: CaseResult = { nFeat, batch, gflop: gflopPerSample * batch };
      results.push(r);
      const estimate = msPerSample === undefined ? 0 : (msPerSample * batch * (1 + repeats)) / 1000;
      if (estimate > budgetSeconds) {
        r.skipped = `engine estimated at ${estimate.toFixed(0)} s, over --time-budget ${budgetSeconds} s`;
        continue;
      }
      console.error(`engine: n_feat ${nFeat}, batch ${batch}`);
      const name = caseName(nFeat, batch);
      const dir = join(dirname(model), name);
      const run = await engineCase(rt, nets, batch, dir);
      if (byLayer) r.layers = await engineLayers(rt, nets, batch);
      r.engineMs = run.ms;
      r.engineMedianMs = median(r.engineMs);
      f32Eps.set(r, run.eps);
      msPerSample ??= r.engineMedianMs / batch;
      const npy = (k: string) => join(dir, `${k}.npy`);
      peerCases.push({ name, model, batch, x: npy('x'), t: npy('t'), c: npy('c'), eps: npy('eps') });
    }
    const f16 = await loadNetworks(rt, memorySource(files), 'f16');
    for (const [r, eps] of f32Eps) {
      console.error(`engine f16: n_feat ${nFeat}, batch ${r.batch}`);
      const run = await engineCase(rt, f16, r.batch);
      r.f16Ms = run.ms;
      r.f16VsF32 = relativeError(run.eps, eps);
    }
    return { adapter: rt.adapterName, results, peerCases };
  } finally {
    rt.destroy();
  }
}

function runPeer(cases: PeerCase[], manifest: string): PeerReport {
  writeFileSync(manifest, JSON.stringify({ repeats, device: peerDevice, layers: byLayer, cases }));
  const peer = spawnSync(PYTHON, [PEER, manifest], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 2 ** 26 });
  if (peer.status !== 0) throw new Error(`${PYTHON} ${PEER} failed (exit ${peer.status}${peer.error ? `: ${peer.error.message}` : ''})`);
  return JSON.parse(peer.stdout) as PeerReport;
}

const caseName = (nFeat: number, batch: number) => `n${nFeat}-b${batch}`;

function command(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

/** The commit the engine was measured at; the kernels change often, so say when the working tree differs. */
function engineSource(): string {
  const commit = command('git', ['rev-parse', '--short', 'HEAD']);
  const changed = command('git', ['status', '--porcelain', '--', 'shaders', 'src']);
  return changed ? `${commit} with uncommitted changes in shaders/ or src/` : commit;
}

function machine(): Record<string, string | number> {
  const cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] ?? 'unknown';
  return {
    nproc: command('nproc', []),
    availableParallelism: availableParallelism(),
    cpu,
    mesaVulkanDrivers: command('dpkg-query', ['-W', '-f', '${Version}', 'mesa-vulkan-drivers']),
    node: process.version,
    engineSource: engineSource(),
  };
}

const root = mkdtempSync(join(tmpdir(), 'mg3d-compare-'));
const results: CaseResult[] = [];
/** The 1-minute load average before each engine and each PyTorch run: the background load the numbers carry. */
const loads: number[] = [];
let adapter = 'unknown';
let torch: PeerReport | undefined;
try {
  for (const nFeat of widths) {
    const model = join(root, `n${nFeat}`);
    mkdirSync(model, { recursive: true });
    const files = benchModelFiles(variant, nFeat, ['ddpm']);
    for (const [name, bytes] of files) writeFileSync(join(model, name), bytes);
    loads.push(loadavg()[0]);
    const engine = await engineWidth(model, files, nFeat);
    adapter = engine.adapter;
    results.push(...engine.results);
    loads.push(loadavg()[0]);
    torch = runPeer(engine.peerCases, join(root, `manifest-n${nFeat}.json`));
    for (const r of engine.results) r.torch = torch.cases.find((c) => c.name === caseName(r.nFeat, r.batch));
  }

  const report = {
    format: 'mg3d-compare',
    version: 1,
    date: new Date().toISOString(),
    machine: { ...machine(), adapter, torch: torch?.torch ?? 'unknown', torchDevice: torch?.device ?? 'unknown' },
    loadAverage1min: loads,
    settings: { latent: latentName, widths, batches, repeats, budgetSeconds },
    cases: results,
  };
  mkdirSync(dirname(values.json), { recursive: true });
  writeFileSync(values.json, JSON.stringify(report, null, 2) + '\n');
  printMarkdown(report.machine, results);
  for (const r of results) if (r.layers && r.torch?.layers) printLayers(r, r.layers, r.torch);
  console.log(`\nwrote ${values.json}`);
  const worst = Math.max(...results.flatMap((r) => (r.torch ? [r.torch.engineVsStock] : [])));
  if (worst > EQUIVALENCE_TOLERANCE) {
    console.log(`the engine and PyTorch disagree: relative error ${worst.toExponential(1)} > ${EQUIVALENCE_TOLERANCE}`);
    process.exitCode = 1;
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}

/** Medians, with the fastest run in brackets: background load only ever adds time, so the minimum shows the least disturbed run. */
function printMarkdown(m: Record<string, string | number>, cases: CaseResult[]): void {
  const ms = (runs: number[] | undefined) => (runs ? `${formatNumber(median(runs))} (${formatNumber(Math.min(...runs))})` : '-');
  const ratio = (a: number[] | undefined, b: number[] | undefined) =>
    a && b ? `${(median(a) / median(b)).toFixed(2)} (${(Math.min(...a) / Math.min(...b)).toFixed(2)})` : '-';
  console.log(`${new Date().toISOString().slice(0, 10)}; ${m.nproc} CPUs (${m.cpu}); ${m.adapter}; mesa-vulkan-drivers ${m.mesaVulkanDrivers}; torch ${m.torch} on ${m.torchDevice}`);
  console.log(`engine at ${m.engineSource}; 1-minute load average before the runs: ${loads.map((l) => l.toFixed(1)).join(', ')}`);
  console.log(
    `UNet evaluation on the ${latentName} latent; median of ${repeats} runs after 1 warm-up (fastest run in brackets); ` +
      'ratio = engine ms / PyTorch ms (above 1: the engine is slower)\n',
  );
  console.log(
    '| n_feat | batch | GFLOP | engine ms | stock ms | best ms | engine/stock | engine/best | engine vs stock (rel. err.) | best vs stock ' +
      '| engine f16 ms | f16/stock | f16/best | f16 vs f32 (rel. err.) |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const c of cases) {
    if (c.skipped) {
      console.log(`| ${c.nFeat} | ${c.batch} | ${formatNumber(c.gflop)} | skipped: ${c.skipped} | | | | | | | | | | |`);
      continue;
    }
    const t = c.torch;
    console.log(
      `| ${c.nFeat} | ${c.batch} | ${formatNumber(c.gflop)} | ${ms(c.engineMs)} | ${ms(t?.stockMs)} | ${ms(t?.bestMs)} | ` +
        `${ratio(c.engineMs, t?.stockMs)} | ${ratio(c.engineMs, t?.bestMs)} | ` +
        `${t ? t.engineVsStock.toExponential(1) : '-'} | ${t ? t.bestVsStock.toExponential(1) : '-'} | ` +
        `${ms(c.f16Ms)} | ${ratio(c.f16Ms, t?.stockMs)} | ${ratio(c.f16Ms, t?.bestMs)} | ${c.f16VsF32?.toExponential(1) ?? '-'} |`,
    );
  }
}

/**
 * One case's convolutions layer shape by layer shape, slowest engine layer
 * first: ms per evaluation summed over the layer's calls (engine: GPU time of
 * each dispatch alone; PyTorch: median over its evaluations of the time in
 * those calls), then everything else, then the whole evaluation (PyTorch: the
 * median of the same evaluations, so that the rest is their own).
 */
function printLayers(c: CaseResult, e: NonNullable<CaseResult['layers']>, t: PeerResult): void {
  const peer = (layers: PeerLayer[], signature: string) => layers.find((l) => l.signature === signature);
  const { best, stock } = t.layers!;
  const rows = best.layers.map(({ signature, calls }) => {
    const engineMs = e.bySignature.find((g) => g.signature === signature)?.ms ?? NaN;
    const paths = e.convPaths.find((p) => p.layer.startsWith(`${signature} `));
    const other = paths ? (paths.path === 'winograd' ? 'direct' : 'winograd') : undefined;
    return {
      signature,
      calls,
      path: paths?.path ?? '-',
      engineMs,
      otherMs: paths && other ? `${other} ${formatNumber(paths.ms[other] * calls)}` : '-',
      bestMs: median(peer(best.layers, signature)!.ms),
      stockMs: median(peer(stock.layers, signature)?.ms ?? [NaN]),
    };
  });
  rows.sort((a, b) => b.engineMs - a.engineMs);
  const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0);
  const engineConv = sum((r) => r.engineMs);
  const bestConv = sum((r) => r.bestMs);
  const stockConv = sum((r) => r.stockMs);
  const line = (cells: string[]) => console.log(`| ${cells.join(' | ')} |`);
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(`\nn_feat ${c.nFeat}, batch ${c.batch}: ms per evaluation, layer shape by layer shape (engine: GPU time of each dispatch alone)\n`);
  line(['layer', 'calls', 'engine path', 'engine ms', 'other path ms', 'PyTorch best ms', 'stock ms', 'engine/best']);
  line(['---', '---:', '---', '---:', '---:', '---:', '---:', '---:']);
  for (const r of rows) {
    line([r.signature, String(r.calls), r.path, formatNumber(r.engineMs), r.otherMs, formatNumber(r.bestMs), formatNumber(r.stockMs), ratio(r.engineMs, r.bestMs)]);
  }
  line(['all convolutions', '', '', formatNumber(engineConv), '', formatNumber(bestConv), formatNumber(stockConv), ratio(engineConv, bestConv)]);
  const bestWhole = median(best.wholeMs);
  const stockWhole = median(stock.wholeMs);
  const restEngine = e.kernelMs - engineConv;
  line(['everything else', '', '', formatNumber(restEngine), '', formatNumber(bestWhole - bestConv), formatNumber(stockWhole - stockConv), ratio(restEngine, bestWhole - bestConv)]);
  line(['whole evaluation', '', '', formatNumber(e.kernelMs), '', formatNumber(bestWhole), formatNumber(stockWhole), ratio(e.kernelMs, bestWhole)]);
}
