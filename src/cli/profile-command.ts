import { writeFileAtomic } from '../io/node-files.js';
import { adapterReport } from '../perf/adapter.js';
import type { AdapterReport } from '../perf/bench-report.js';
import { BENCH_VARIANTS, checkUnetWidth, memorySource, PUBLISHED, benchModelFiles, type BenchVariant } from '../perf/bench-models.js';
import { buildDecoderGraph } from '../perf/decoder-graph.js';
import { describeMethod, formatGroups, profileGraph, type GraphProfile } from '../perf/kernel-profile.js';
import { decoderFlops, unetFlops } from '../perf/model-flops.js';
import { engineProvenance, type Provenance } from '../perf/provenance.js';
import { formatNumber, formatTable } from '../perf/table.js';
import { buildUnetStep, timeUnetConvPaths, unetInputs } from '../perf/unet-step.js';
import { UsageError } from '../errors.js';
import { loadNetworks } from '../models/model.js';
import type { ConvTiming } from '../ops/conv-choice.js';
import type { Runtime } from '../runtime/index.js';
import { parseNumber, parsePrecision } from './args.js';
import type { CommandIo } from './command-io.js';

/** A full-width UNet step takes tens of seconds on a CPU adapter; the default width there is smaller. */
const CPU_ADAPTER_N_FEAT = 64;

export const PROFILE_HELP = `mg3d profile [options]

Times every kernel of one UNet evaluation (and with --decoder, of the VAE
decoder at batch 1) on random weights in the published shapes, with GPU
timestamps where the adapter has 'timestamp-query' (else CPU timing of each
dispatch submitted alone, stated as such). Lists GPU time per op and the top
kernels by shape, with FLOP and achieved GFLOP/s for convolutions and linears,
and for every kernel the bytes it cannot avoid moving (inputs read once, outputs
written once) and the GB/s that makes.

  --variant V   experimental or ch (default experimental)
  --n-feat N    UNet width (default ${PUBLISHED.nFeat}, the published width; ${CPU_ADAPTER_N_FEAT} on a CPU adapter)
  --precision P f32 or f16 UNet convolutions (default f32; mg3d help generate)
  --batch B     UNet batch (default 1)
  --decoder     also profile the VAE decoder
  --top N       kernels listed (default 15)
  --json FILE   also write the profile as JSON, with the engine version and git commit`;

export interface ProfileFlags {
  variant?: string;
  'n-feat'?: string;
  precision?: string;
  batch?: string;
  decoder?: boolean;
  top?: string;
  json?: string;
}

function parseVariant(value = 'experimental'): BenchVariant {
  if (Object.hasOwn(BENCH_VARIANTS, value)) return value as BenchVariant;
  throw new UsageError(`--variant wants ${Object.keys(BENCH_VARIANTS).join(' or ')}, got '${value}'`);
}

/** What `mg3d profile --json FILE` writes: the printed profile as data. */
export interface ProfileReport {
  format: 'mg3d-profile';
  version: 1;
  engine: Provenance;
  date: string;
  adapter: AdapterReport;
  settings: { variant: BenchVariant; nFeat: number; precision: string; batch: number };
  unet: GraphProfile & { title: string; modelFlops: number };
  /** Each 3x3x3 stride-1 convolution of the UNet: the path it runs, and both paths timed alone. */
  convPaths: ConvTiming[];
  decoder?: (GraphProfile & { title: string; modelFlops: number }) | { title: string; skipped: string };
}

export async function profileCommand(rt: Runtime, f: ProfileFlags, { out, warn }: CommandIo, status: (line: string) => void): Promise<number> {
  const variant = parseVariant(f.variant);
  const adapter = adapterReport(rt);
  const isCpu = adapter.isCpu;
  const nFeat =
    f['n-feat'] === undefined ? (isCpu ? CPU_ADAPTER_N_FEAT : PUBLISHED.nFeat) : checkUnetWidth(parseNumber('n-feat', f['n-feat'], { min: 8, integer: true }));
  const batch = f.batch === undefined ? 1 : parseNumber('batch', f.batch, { min: 1, integer: true });
  const top = f.top === undefined ? 15 : parseNumber('top', f.top, { min: 1, integer: true });
  const precision = parsePrecision(f.precision);

  status(`random ${variant} weights, UNet n_feat ${nFeat}`);
  const nets = await loadNetworks(rt, memorySource(benchModelFiles(variant, nFeat, f.decoder ? ['vae', 'ddpm'] : ['ddpm'])), precision);
  const latent = nets.config.latentShape;
  warn(`adapter: ${rt.adapterName}${isCpu && f['n-feat'] === undefined ? ` (a CPU adapter: n_feat ${nFeat}; --n-feat ${PUBLISHED.nFeat} for the published width)` : ''}`);

  status('timing Winograd and the direct kernel per 3x3x3 layer');
  const convPaths = await timeUnetConvPaths(rt, nets.unet!, latent, batch);
  const step = buildUnetStep(rt, nets.unet!, latent, batch);
  step.write(unetInputs(nets.unet!, latent, batch));
  status('profiling the UNet');
  const unetTitle = `${variant} UNet, n_feat ${nFeat}${nFeat === PUBLISHED.nFeat ? '' : ` (published: ${PUBLISHED.nFeat})`} in ${precision}, latent ${latent.join('x')}, batch ${batch}`;
  const unet = { title: unetTitle, modelFlops: batch * unetFlops(latent, nFeat, nets.unet!.shape.contextSize), ...(await profileGraph(rt, step.graph)) };
  step.dispose();
  printProfile(out, unet, top);
  printConvTimings(out, convPaths);
  const report: ProfileReport = {
    format: 'mg3d-profile',
    version: 1,
    engine: engineProvenance(),
    date: new Date().toISOString(),
    adapter,
    settings: { variant, nFeat, precision, batch },
    unet,
    convPaths,
  };

  if (f.decoder) {
    const decoderGraph = buildDecoderGraph(rt, nets.decoder!, latent);
    const title = `${variant} VAE decoder, volume ${nets.config.imageShape.slice(1).join('x')}, batch 1`;
    if ('skipped' in decoderGraph) {
      out('');
      out(`${title}: skipped: ${decoderGraph.skipped}`);
      report.decoder = { title, skipped: decoderGraph.skipped };
    } else {
      status('profiling the decoder');
      report.decoder = { title, modelFlops: decoderFlops(latent, nets.config.vaeMaxChannels), ...(await profileGraph(rt, decoderGraph.graph)) };
      decoderGraph.dispose();
      printProfile(out, report.decoder, top);
    }
  }
  if (f.json !== undefined) {
    await writeFileAtomic(f.json, JSON.stringify(report, null, 2) + '\n');
    out(`wrote ${f.json}`);
  }
  return 0;
}

function printProfile(out: (line: string) => void, p: GraphProfile & { title: string; modelFlops: number }, top: number): void {
  const counted = p.byOp.reduce((sum, g) => sum + (g.flops ?? 0), 0);
  const executed = p.byOp.reduce((sum, g) => sum + g.executedFlops, 0);
  out('');
  out(p.title);
  out(`  timing: ${describeMethod(p)}`);
  out(`  sum of kernel times ${formatNumber(p.kernelMs)} ms; the whole graph in one pass, submit to done: ${formatNumber(p.graphMs)} ms`);
  out(`  FLOP: ${formatNumber(p.modelFlops / 1e9)} G by the architecture (counted layer by layer in src/perf/model-flops.ts), ${formatNumber(counted / 1e9)} G read off the kernels (dense, for comparable GFLOP/s); ${formatNumber(executed / 1e9)} G executed (Winograd multiplies 64 per output tile and channel pair where the dense count has 216)`);
  out('');
  for (const line of formatGroups('op', p.byOp, p.kernelMs)) out(line);
  out('');
  for (const line of formatGroups(`top ${Math.min(top, p.bySignature.length)} kernels`, p.bySignature.slice(0, top), p.kernelMs)) out(line);
}

function printConvTimings(out: (line: string) => void, timings: ConvTiming[]): void {
  out('');
  out('3x3x3 stride-1 convolutions: the path each layer runs, and both paths timed alone (fastest of 5 alternating runs)');
  const rows = timings.map((c) => [c.layer, c.path, formatNumber(c.ms.winograd), formatNumber(c.ms.direct)]);
  for (const line of formatTable(['layer', 'path', 'winograd ms', 'direct ms'], rows, 2)) out(line);
}
