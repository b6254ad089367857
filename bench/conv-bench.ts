/**
 * Throughput of the convolution kernels on the layers that dominate a UNet step.
 *
 *   npx esbuild bench/conv-bench.ts --bundle --platform=node --format=esm --loader:.wgsl=text \
 *     --external:webgpu --outfile=/tmp/conv-bench.mjs && node /tmp/conv-bench.mjs [filter]
 *
 * Dawn waits for the GPU by polling on the JS thread, which competes with
 * lavapipe's worker threads for the CPU; the bench sleeps synchronously in 2 ms
 * slices between polls so the number measures the kernel, not the polling.
 */
import { createNodeRuntime } from '../src/runtime/node.js';
import { Graph, type Runtime, type Tensor } from '../src/runtime/index.js';
import { conv3d, prepareConv3d } from '../src/ops/conv3d.js';
import { convTranspose3d, prepareConvTranspose3d } from '../src/ops/conv-transpose3d.js';

interface Case {
  name: string;
  transposed: boolean;
  batch: number;
  inChannels: number;
  outChannels: number;
  size: [number, number, number];
  kernel: number;
  stride: number;
  padding: number;
}

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
});

const cases: Case[] = [
  conv(1, 512, 512, [8, 8, 8]),
  conv(1, 512, 512, [8, 8, 4]),
  conv(1, 512, 512, [4, 4, 4]),
  conv(4, 512, 512, [8, 8, 4]),
  conv(1, 1024, 512, [8, 8, 8]),
  { ...conv(1, 2048, 512, [2, 2, 2]), name: 'convT B=1 2048->512 k2 s2 on 2x2x2', transposed: true, kernel: 2, stride: 2, padding: 0 },
  { ...conv(1, 1024, 512, [4, 4, 4]), name: 'convT B=1 1024->512 k2 s2 on 4x4x4', transposed: true, kernel: 2, stride: 2, padding: 0 },
  { ...conv(1, 256, 128, [16, 16, 8]), name: 'convT B=1 256->128 k3 s2 p1 op1 on 16x16x8', transposed: true, stride: 2 },
];

function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function randomHost(shape: number[], scale: number): { shape: number[]; data: Float32Array } {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    data[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return { shape, data };
}

/** Multiply-adds of the layer, counted as 2 FLOP each, over the taps that touch the input. */
function flops(c: Case, out: Tensor): number {
  const taps = c.transposed ? (c.kernel / c.stride) ** 3 : c.kernel ** 3;
  return 2 * c.inChannels * taps * out.size;
}

/** Waits for the GPU while keeping the JS thread mostly asleep (see the top comment). */
async function timeRun(rt: Runtime, g: Graph, repeat: number): Promise<number> {
  const t0 = performance.now();
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
  return performance.now() - t0;
}

async function bench(rt: Runtime, c: Case): Promise<void> {
  const [D, H, W] = c.size;
  const k = c.kernel;
  const fanIn = c.inChannels * k ** 3;
  const x = rt.upload(randomHost([c.batch, c.inChannels, D, H, W], 1).data, [c.batch, c.inChannels, D, H, W]);
  const bias = randomHost([c.outChannels], 0.1);
  const g = new Graph(rt);
  let out: Tensor;
  if (c.transposed) {
    const w = prepareConvTranspose3d(rt, randomHost([c.inChannels, c.outChannels, k, k, k], 1 / Math.sqrt(fanIn)), bias);
    out = convTranspose3d(g, x, w, { stride: c.stride, padding: c.padding, outputPadding: c.kernel === 3 ? 1 : 0 });
  } else {
    const w = prepareConv3d(rt, randomHost([c.outChannels, c.inChannels, k, k, k], 1 / Math.sqrt(fanIn)), bias);
    out = conv3d(g, x, w, { stride: c.stride, padding: c.padding });
  }
  const work = flops(c, out);
  await timeRun(rt, g, 1);
  const once = await timeRun(rt, g, 1);
  const repeat = Math.max(1, Math.min(50, Math.round(1000 / once)));
  const ms = (await timeRun(rt, g, repeat)) / repeat;
  console.log(`${c.name.padEnd(46)} ${ms.toFixed(2).padStart(8)} ms  ${(work / ms / 1e6).toFixed(2).padStart(7)} GFLOP/s`);
  g.release();
  rt.release(x);
}

const rt = await createNodeRuntime();
console.log(`adapter: ${rt.adapterName}`);
const filter = process.argv[2] ?? '';
for (const c of cases) if (c.name.includes(filter)) await bench(rt, c);
rt.destroy();
