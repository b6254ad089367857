/**
 * The memory plans of the recorded graphs at the published shapes: the VAE
 * decoder and encoder at batch 1 and the UNet's denoising step at batches 1
 * and 4, for both variants. Records each graph and plans it, allocating no
 * intermediates and running nothing (random weights are still uploaded).
 *
 *   node bench/run.mjs memory-plans.ts
 *
 * For each: the planned bytes, the largest live set (the bound no placement
 * beats), the dispatches that write in place, and where the largest live set
 * is reached with the values live there.
 */
import { loadNetworks } from '../src/models/model.js';
import { SamplerPlan } from '../src/models/sampler.js';
import { BENCH_VARIANTS, benchModelFiles, memorySource, PUBLISHED, type BenchVariant } from '../src/perf/bench-models.js';
import { Graph, type KernelWork, type MemoryPlan, type Runtime } from '../src/runtime/index.js';
import { createNodeRuntime } from '../src/runtime/node.js';

const MiB = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

function report(name: string, plan: MemoryPlan, work: readonly KernelWork[]): void {
  console.log(
    `${name}: planned ${MiB(plan.plannedBytes)} MiB, largest live ${MiB(plan.largestLiveBytes)} MiB ` +
      `(${(plan.plannedBytes / plan.largestLiveBytes).toFixed(2)}x), ${plan.inPlace.length} of ${work.length} dispatches in place`,
  );
  console.log(`  peak at dispatch ${plan.peakAt}, ${work[plan.peakAt].signature}: live ${plan.liveAtPeak.map(MiB).join(' + ')} MiB`);
}

/** Records `build` into a new graph, reports its plan and frees it. */
function planOf(name: string, rt: Runtime, build: (g: Graph) => void): void {
  const g = new Graph(rt);
  try {
    build(g);
    report(name, g.memoryPlan(), g.work);
  } finally {
    g.dispose();
  }
}

const rt = await createNodeRuntime();
try {
  for (const variant of Object.keys(BENCH_VARIANTS) as BenchVariant[]) {
    const nets = await loadNetworks(rt, memorySource(benchModelFiles(variant, PUBLISHED.nFeat, ['vae', 'ddpm'])));
    const { latentShape, imageShape } = nets.config;
    planOf(`${variant} decoder B=1`, rt, (g) => {
      const z = g.tensor([1, ...latentShape]);
      g.keep(z, nets.decoder!.build(g, z));
    });
    planOf(`${variant} encoder B=1`, rt, (g) => {
      const x = g.tensor([1, ...imageShape]);
      const { mu, logvar } = nets.encoder!.build(g, x);
      g.keep(x, mu, logvar);
    });
    for (const batch of [1, 4]) {
      const step = new SamplerPlan(rt, nets.unet!, nets.schedule!, latentShape, batch, 'eps');
      report(`${variant} UNet step B=${batch}`, step.memoryPlan(), step.work);
      step.dispose();
    }
    nets.scope.dispose();
  }
} finally {
  rt.destroy();
}
