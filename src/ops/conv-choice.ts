// Which kernel runs each 3x3x3 stride-1 pad-1 Conv3d layer: Winograd or the
// direct kernel, chosen per layer shape and adapter by timing both (Winograd
// pays where its GEMMs have rows to share the 64 transformed weight matrices;
// a 4x4x2 layer at batch 1 has 4). Graph building is synchronous, so the
// timing runs before it: chooseConvPaths records a graph once to find the
// layers, times each new one, and later builds take the cached choice.
import { Graph, type Runtime } from '../runtime/index.js';

export type ConvPath = 'winograd' | 'direct';

export interface ConvChoice {
  /** The layer's shape, e.g. 'conv3d 512->512 k3 s1 -> 8x8x4 (B=1) f32'. */
  layer: string;
  path: ConvPath;
  /** Fastest of the timed runs of each path, per run. */
  ms: Record<ConvPath, number>;
}

/** Records the layer on a graph the caller owns, on a scratch input, by `path`. */
export type ConvBuilder = (g: Graph, path: ConvPath) => void;

const chosen = new WeakMap<Runtime, Map<string, ConvChoice>>();
const discovering = new WeakMap<Runtime, Map<string, ConvBuilder>>();

/** The path for `layer`: the measured one, else Winograd (and the layer is noted while chooseConvPaths records). */
export function convPath(rt: Runtime, layer: string, build: ConvBuilder): ConvPath {
  const choice = chosen.get(rt)?.get(layer);
  if (choice) return choice.path;
  discovering.get(rt)?.set(layer, build);
  return 'winograd';
}

/** The choices measured on `rt` so far, in measuring order. */
export function convChoices(rt: Runtime): ConvChoice[] {
  return [...(chosen.get(rt)?.values() ?? [])];
}

/**
 * Times both paths of every layer that `record` builds and that has no choice
 * yet; `record`'s graph is released without running.
 */
export async function chooseConvPaths(rt: Runtime, record: (g: Graph) => void): Promise<ConvChoice[]> {
  const found = new Map<string, ConvBuilder>();
  discovering.set(rt, found);
  const g = new Graph(rt);
  try {
    record(g);
  } finally {
    discovering.delete(rt);
    g.release();
  }
  const table = chosen.get(rt) ?? new Map<string, ConvChoice>();
  chosen.set(rt, table);
  const made: ConvChoice[] = [];
  for (const [layer, build] of found) {
    const ms = await timePaths(rt, build);
    const choice: ConvChoice = { layer, path: ms.winograd <= ms.direct ? 'winograd' : 'direct', ms };
    table.set(layer, choice);
    made.push(choice);
  }
  return made;
}

/** Repeats per timed run: enough for ~20 ms, so timer and submit overheads stay small. */
const TARGET_MS = 20;
const ROUNDS = 5;

async function timePaths(rt: Runtime, build: ConvBuilder): Promise<Record<ConvPath, number>> {
  const paths: ConvPath[] = ['winograd', 'direct'];
  const graphs = paths.map((path) => {
    const g = new Graph(rt);
    build(g, path);
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
    for (const g of graphs) g.release();
  }
}
