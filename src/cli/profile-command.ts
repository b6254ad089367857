import { adapterReport } from '../perf/adapter.js';
import { BENCH_VARIANTS, checkUnetWidth, memorySource, PUBLISHED, benchModelFiles, type BenchVariant } from '../perf/bench-models.js';
import { buildDecoderGraph } from '../perf/decoder-graph.js';
import { describeMethod, formatGroups, profileGraph, type GraphProfile } from '../perf/kernel-profile.js';
import { decoderFlops, unetFlops } from '../perf/model-flops.js';
import { formatNumber } from '../perf/table.js';
import { buildUnetStep, unetInputs } from '../perf/unet-step.js';
import { UsageError } from '../errors.js';
import { loadNetworks } from '../models/model.js';
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
  --top N       kernels listed (default 15)`;

export interface ProfileFlags {
  variant?: string;
  'n-feat'?: string;
  precision?: string;
  batch?: string;
  decoder?: boolean;
  top?: string;
}

function parseVariant(value = 'experimental'): BenchVariant {
  if (Object.hasOwn(BENCH_VARIANTS, value)) return value as BenchVariant;
  throw new UsageError(`--variant wants ${Object.keys(BENCH_VARIANTS).join(' or ')}, got '${value}'`);
}

export async function profileCommand(rt: Runtime, f: ProfileFlags, { out, warn }: CommandIo, status: (line: string) => void): Promise<number> {
  const variant = parseVariant(f.variant);
  const isCpu = adapterReport(rt).isCpu;
  const nFeat =
    f['n-feat'] === undefined ? (isCpu ? CPU_ADAPTER_N_FEAT : PUBLISHED.nFeat) : checkUnetWidth(parseNumber('n-feat', f['n-feat'], { min: 8, integer: true }));
  const batch = f.batch === undefined ? 1 : parseNumber('batch', f.batch, { min: 1, integer: true });
  const top = f.top === undefined ? 15 : parseNumber('top', f.top, { min: 1, integer: true });
  const precision = parsePrecision(f.precision);

  status(`random ${variant} weights, UNet n_feat ${nFeat}`);
  const nets = await loadNetworks(rt, memorySource(benchModelFiles(variant, nFeat, f.decoder ? ['vae', 'ddpm'] : ['ddpm'])), precision);
  const latent = nets.config.latentShape;
  warn(`adapter: ${rt.adapterName}${isCpu && f['n-feat'] === undefined ? ` (a CPU adapter: n_feat ${nFeat}; --n-feat ${PUBLISHED.nFeat} for the published width)` : ''}`);

  const step = buildUnetStep(rt, nets.unet!, latent, batch);
  step.write(unetInputs(nets.unet!, latent, batch));
  status('profiling the UNet');
  const unetModelFlops = batch * unetFlops(latent, nFeat, nets.unet!.shape.contextSize);
  printProfile(out, `${variant} UNet, n_feat ${nFeat} in ${precision}, latent ${latent.join('x')}, batch ${batch}`, await profileGraph(rt, step.graph), unetModelFlops, top);
  step.dispose();

  if (f.decoder) {
    const decoderGraph = buildDecoderGraph(rt, nets.decoder!, latent);
    const title = `${variant} VAE decoder, volume ${nets.config.imageShape.slice(1).join('x')}, batch 1`;
    if ('skipped' in decoderGraph) {
      out('');
      out(`${title}: skipped: ${decoderGraph.skipped}`);
    } else {
      status('profiling the decoder');
      printProfile(out, title, await profileGraph(rt, decoderGraph.graph), decoderFlops(latent, nets.config.vaeMaxChannels), top);
      decoderGraph.dispose();
    }
  }
  return 0;
}

function printProfile(out: (line: string) => void, title: string, p: GraphProfile, modelFlops: number, top: number): void {
  const counted = p.byOp.reduce((sum, g) => sum + (g.flops ?? 0), 0);
  out('');
  out(title);
  out(`  timing: ${describeMethod(p)}`);
  out(`  sum of kernel times ${formatNumber(p.kernelMs)} ms; the whole graph in one pass, submit to done: ${formatNumber(p.graphMs)} ms`);
  out(`  FLOP: ${formatNumber(modelFlops / 1e9)} G by the architecture (MODEL.md's count), ${formatNumber(counted / 1e9)} G read off the kernels`);
  out('');
  for (const line of formatGroups('op', p.byOp, p.kernelMs)) out(line);
  out('');
  for (const line of formatGroups(`top ${Math.min(top, p.bySignature.length)} kernels`, p.bySignature.slice(0, top), p.kernelMs)) out(line);
}
