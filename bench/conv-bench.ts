/**
 * Throughput of the convolution kernels on the layers that dominate a UNet
 * step, and of the linear layers (the embeddings, the feature predictor).
 *
 *   node bench/run.mjs conv-bench.ts [filter]
 *
 * Dawn waits for the GPU by polling on the JS thread, which competes with
 * lavapipe's worker threads for the CPU; the bench sleeps synchronously in 2 ms
 * slices between polls so the number measures the kernel, not the polling.
 * On a CPU adapter shared with other jobs, wall time is noisy: the second
 * figure divides the process's CPU time by the core count instead.
 */
import { availableParallelism } from 'node:os';
import { conv3d, conv3dPath, prepareConv3d } from '../src/ops/conv3d.js';
import { convTranspose3d, prepareConvTranspose3d } from '../src/ops/conv-transpose3d.js';
import { Act } from '../src/ops/activation.js';
import { linear, prepareLinear } from '../src/ops/linear.js';
import { Graph, type Runtime, type Tensor } from '../src/runtime/index.js';
import { createNodeRuntime } from '../src/runtime/node.js';
import { randomArray } from '../test/helpers/numeric.js';
import { conv3dOutSize, randomLayer, type LayerCase } from '../test/reference/conv.js';

/** `direct`: a 3x3x3 stride-1 conv on the direct kernel instead of Winograd. */
type Case = LayerCase & { name: string; transposed: boolean; outputPadding: number; direct?: boolean };

/** The UNet's convolutions: 3x3x3, padding 1. */
const conv = (batch: number, i: number, o: number, size: [number, number, number]): Case => ({
  name: `conv3d B=${batch} ${i}->${o} k3 p1 on ${size.join('x')}`,
  transposed: false,
  batch,
  inChannels: i,
  outChannels: o,
  size,
  kernel: 3,
  stride: 1,
  padding: 1,
  outputPadding: 0,
  bias: true,
});

/** The UNet's up-sampling layers: kernel = stride = 2. */
const convT = (batch: number, i: number, o: number, size: [number, number, number]): Case => ({
  ...conv(batch, i, o, size),
  name: `convT B=${batch} ${i}->${o} k2 s2 on ${size.join('x')}`,
  transposed: true,
  kernel: 2,
  stride: 2,
  padding: 0,
});

/** The same layer on the direct kernel. */
const direct = (c: Case): Case => ({ ...c, name: `${c.name} direct`, direct: true });

const winogradLayers = [
  conv(1, 512, 512, [8, 8, 8]),
  conv(1, 512, 512, [8, 8, 4]),
  conv(1, 512, 512, [4, 4, 4]),
  conv(4, 512, 512, [8, 8, 4]),
  conv(1, 1024, 512, [8, 8, 8]),
  conv(1, 1024, 1024, [4, 4, 2]),
  conv(4, 1024, 1024, [4, 4, 2]),
];

const cases: Case[] = [
  ...winogradLayers.flatMap((c) => [c, direct(c)]),
  convT(1, 2048, 512, [2, 2, 2]),
  convT(1, 1024, 512, [4, 4, 4]),
  convT(1, 2048, 512, [2, 2, 1]),
  convT(1, 1024, 512, [4, 4, 2]),
  {
    ...conv(1, 256, 128, [16, 16, 8]),
    name: 'convT B=1 256->128 k3 s2 p1 op1 on 16x16x8 (VAE)',
    transposed: true,
    stride: 2,
    outputPadding: 1,
  },
];

interface LinearCase {
  name: string;
  batch: number;
  inFeatures: number;
  outFeatures: number;
  act: Act;
}

/** The UNet's embeddings at n_feat 512 (fc0 with GELU, then fc2), at batches 1 to 32, and a wide layer. */
const lin = (batch: number, inFeatures: number, outFeatures: number, act: keyof typeof Act): LinearCase => ({
  name: `linear B=${batch} ${inFeatures}->${outFeatures} ${act}`,
  batch,
  inFeatures,
  outFeatures,
  act: Act[act],
});

const linearCases: LinearCase[] = [
  lin(1, 1, 1024, 'gelu'),
  lin(1, 1024, 1024, 'none'),
  lin(4, 1024, 1024, 'none'),
  lin(32, 1024, 1024, 'none'),
  lin(1, 8192, 256, 'relu'),
];

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Multiply-adds of the layer, counted as 2 FLOP each, over the taps that touch the input. */
function flops(c: Case, out: Tensor): number {
  const taps = c.transposed ? (c.kernel / c.stride) ** 3 : c.kernel ** 3;
  return 2 * c.inChannels * taps * out.size;
}

/** Waits for the GPU while keeping the JS thread mostly asleep (see the top comment). */
async function timeRun(rt: Runtime, g: Graph, repeat: number): Promise<{ wall: number; cpu: number }> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  g.run(repeat);
  let done = false;
  const finished = rt.sync().then(() => {
    done = true;
  });
  while (!done) {
    sleepSync(2);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  await finished;
  const cpu = process.cpuUsage(c0);
  return { wall: performance.now() - t0, cpu: (cpu.user + cpu.system) / 1000 };
}

async function bench(rt: Runtime, c: Case, cores: number): Promise<void> {
  const k = c.kernel;
  const layer = randomLayer(c, 1, (c.transposed ? c.outChannels : c.inChannels) * k ** 3);
  const x = rt.upload(layer.x, layer.xShape);
  const bias = layer.bias && { shape: [c.outChannels], data: layer.bias };
  const g = new Graph(rt);
  let out: Tensor;
  let weights: Tensor[];
  if (c.transposed) {
    const opts = { stride: c.stride, padding: c.padding, outputPadding: c.outputPadding };
    const w = prepareConvTranspose3d(rt, { shape: [c.inChannels, c.outChannels, k, k, k], data: layer.weight }, opts, bias);
    out = convTranspose3d(g, x, w, opts);
    weights = [w.weight, ...(w.bias ? [w.bias] : [])];
  } else {
    const opts = { stride: c.stride, padding: c.padding };
    const outSize = c.size.map((n) => conv3dOutSize(n, k, c.stride, c.padding));
    const path = c.direct ? 'direct' : conv3dPath(k, opts, outSize, c.inChannels, c.outChannels, 'f32');
    const w = prepareConv3d(rt, { shape: [c.outChannels, c.inChannels, k, k, k], data: layer.weight }, bias, 'f32', path);
    out = conv3d(g, x, w, opts);
    weights = [...(w.path === 'direct' ? [w.weight] : w.path === 'winograd' ? w.winograd.parts : [w.gemm.weight]), ...(w.bias ? [w.bias] : [])];
  }
  await measure(rt, c.name, g, flops(c, out), cores);
  rt.release(x, ...weights);
}

async function benchLinear(rt: Runtime, c: LinearCase, cores: number): Promise<void> {
  const x = rt.upload(randomArray(c.batch * c.inFeatures, 1), [c.batch, c.inFeatures]);
  const weight = { shape: [c.outFeatures, c.inFeatures], data: randomArray(c.outFeatures * c.inFeatures, 2, 1 / Math.sqrt(c.inFeatures)) };
  const w = prepareLinear(rt, weight, { shape: [c.outFeatures], data: randomArray(c.outFeatures, 3) });
  const g = new Graph(rt);
  linear(g, x, w, c.act);
  await measure(rt, c.name, g, 2 * c.batch * c.inFeatures * c.outFeatures, cores);
  rt.release(x, w.weight, ...(w.bias ? [w.bias] : []));
}

/** Times the recorded graph `g` (which it disposes) and prints its wall and CPU-time throughput for `work` FLOP. */
async function measure(rt: Runtime, name: string, g: Graph, work: number, cores: number): Promise<void> {
  await timeRun(rt, g, 1);
  const once = await timeRun(rt, g, 1);
  const repeat = Math.max(1, Math.min(50, Math.round(500 / once.wall)));
  // Best of three runs: other jobs on a shared CPU only ever add time.
  let wall = Infinity;
  let cpuPerCore = Infinity;
  for (let trial = 0; trial < 3; trial++) {
    const t = await timeRun(rt, g, repeat);
    wall = Math.min(wall, t.wall / repeat);
    cpuPerCore = Math.min(cpuPerCore, t.cpu / repeat / cores);
  }
  const gflops = (ms: number) => (work / ms / 1e6).toFixed(2).padStart(7);
  console.log(
    `${name.padEnd(50)} ${wall.toFixed(1).padStart(8)} ms ${gflops(wall)} GFLOP/s wall | ` +
      `${cpuPerCore.toFixed(1).padStart(8)} ms ${gflops(cpuPerCore)} GFLOP/s by CPU time`,
  );
  g.dispose();
}

const rt = await createNodeRuntime();
console.log(`adapter: ${rt.adapterName}`);
const filter = process.argv[2] ?? '';
// CPU time over the core count is what a run would take alone on an idle machine.
for (const c of cases) if (c.name.includes(filter)) await bench(rt, c, availableParallelism());
for (const c of linearCases) if (c.name.includes(filter)) await benchLinear(rt, c, availableParallelism());
rt.destroy();
