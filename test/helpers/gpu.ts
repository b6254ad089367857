import { afterAll, beforeAll } from 'vitest';
import { createNodeRuntime } from '../../src/runtime/node.js';
import { RecordedGraph, type Graph, type Runtime, type Tensor } from '../../src/runtime/index.js';

/**
 * One poisoned runtime per test file: every tensor a kernel allocates starts
 * as NaN, so an element it forgets to write fails the comparison.
 */
export function useRuntime(): () => Runtime {
  let rt: Runtime | undefined;
  beforeAll(async () => {
    rt = await createNodeRuntime();
    rt.poisonNewTensors = true;
  });
  afterAll(() => rt?.destroy());
  return () => {
    if (!rt) throw new Error('runtime not ready');
    return rt;
  };
}

/** Records with `build`, runs once, downloads the returned tensor (RecordedGraph.evaluateOnce for one output). */
export async function runOnce(rt: Runtime, build: (g: Graph) => Tensor): Promise<Float32Array> {
  return (await RecordedGraph.evaluateOnce(rt, {}, (g) => ({ out: build(g) }))).out;
}
