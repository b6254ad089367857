// Which kernel runs each 3x3x3 stride-1 pad-1 Conv3d layer: Winograd or the
// direct kernel. Winograd pays where its GEMMs have rows to share the 64
// transformed weight matrices and channels to fill the GEMM's blocks: from 4
// tiles per sample (a 4x4x2 layer has 4, a 2x2x2 one 1) and 8 channels each way
// (a 4-channel layer fills one K or column block), as measured on lavapipe
// (bench/RESULTS.md). In f32 the CH UNet's 4x4x2 layers still stay direct: their
// transformed weights would add 370 MiB and take the CH pipeline to 1567 MiB,
// past the 1.5 GiB the engine keeps it under, for a gain only at batch 4 (a
// tie at batch 1); in f16 they cost half that and gain at both batches. The
// rule looks at one sample's tiles and the weights' type, never at the batch
// or at a timing, so a sample's result does not depend on the batch it runs
// in or on the machine's load (generate reproduces runs bit for bit).
// timeConvPaths times both paths of each layer for `mg3d profile`, to show
// where the rule stands.
import { Graph, type Allocator, type DType, type Runtime } from '../runtime/index.js';

export type ConvPath = 'winograd' | 'direct';

/** Tiles per sample from which a layer takes Winograd, by the weights' type (see the top comment). */
const MIN_TILES: Record<DType, number> = { f32: 8, f16: 4 };
/** Channels each way from which a layer takes Winograd. */
const MIN_CHANNELS = 8;

export function convPathFor(spatial: readonly number[], inChannels: number, outChannels: number, dtype: DType): ConvPath {
  const tiles = spatial.reduce((n, s) => n * Math.ceil(s / 2), 1);
  return tiles >= MIN_TILES[dtype] && inChannels >= MIN_CHANNELS && outChannels >= MIN_CHANNELS ? 'winograd' : 'direct';
}

export interface ConvTiming {
  /** The layer's shape, e.g. 'conv3d 512->512 k3 s1 -> 8x8x4 (B=1) f32'. */
  layer: string;
  /** The path the layer runs. */
  path: ConvPath;
  /** Fastest of the timed runs of each path, per run. */
  ms: Record<ConvPath, number>;
}

/** Records the layer on a graph the caller owns, on a scratch input, with scratch weights for `path` from `owner`. */
export type ConvBuilder = (g: Graph, owner: Allocator, path: ConvPath) => void;

const recording = new WeakMap<Runtime, Map<string, { path: ConvPath; build: ConvBuilder }>>();

/** Notes a layer while timeConvPaths records its graph. */
export function noteConvLayer(rt: Runtime, layer: string, path: ConvPath, build: ConvBuilder): void {
  recording.get(rt)?.set(layer, { path, build });
}

/**
 * Times both paths of every distinct 3x3x3 stride-1 pad-1 layer that `record`
 * builds; `record`'s graph is released without running.
 */
export async function timeConvPaths(rt: Runtime, record: (g: Graph) => void): Promise<ConvTiming[]> {
  const found = new Map<string, { path: ConvPath; build: ConvBuilder }>();
  recording.set(rt, found);
  const g = new Graph(rt);
  try {
    record(g);
  } finally {
    recording.delete(rt);
    g.dispose();
  }
  const timings: ConvTiming[] = [];
  for (const [layer, { path, build }] of found) timings.push({ layer, path, ms: await timePaths(rt, build) });
  return timings;
}

/** Repeats per timed run: enough for ~20 ms, so timer and submit overheads stay small. */
const TARGET_MS = 20;
const ROUNDS = 5;

async function timePaths(rt: Runtime, build: ConvBuilder): Promise<Record<ConvPath, number>> {
  const paths: ConvPath[] = ['winograd', 'direct'];
  const weights = rt.scope();
  const graphs = paths.map((path) => {
    const g = new Graph(rt);
    build(g, weights, path);
    return g;
  });
  try {
    const time = async (g: Graph, repeat: number) => {
      const t0 = performance.now();
      g.run(repeat);
      await rt.sync();
      return (performance.now() - t0) / repeat;
    };
    // The first run compiles and warms up; the second sizes the repeats.
    const repeats: number[] = [];
    for (const g of graphs) {
      await time(g, 1);
      repeats.push(Math.max(1, Math.min(20, Math.round(TARGET_MS / (await time(g, 1))))));
    }
    // Alternating rounds, fastest of each: other work on a shared machine only adds time.
    const best = [Infinity, Infinity];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, g] of graphs.entries()) best[i] = Math.min(best[i], await time(g, repeats[i]));
    }
    return { winograd: best[0], direct: best[1] };
  } finally {
    for (const g of graphs) g.dispose();
    weights.dispose();
  }
}
