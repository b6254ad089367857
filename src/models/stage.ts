import { RecordedGraph, type Graph, type Runtime, type Tensor } from '../runtime/index.js';

/**
 * A network recorded once per batch size over an input tensor: callers write
 * `inputs.input` (or copy into it on the GPU), run, and read `outputs`.
 * Nothing is allocated on reuse.
 */
export class Stage<K extends string> {
  private readonly graphs = new Map<number, RecordedGraph<'input', K>>();

  constructor(
    private readonly rt: Runtime,
    private readonly inputShape: readonly number[],
    private readonly build: (g: Graph, input: Tensor) => Record<K, Tensor>,
  ) {}

  for(batch: number): RecordedGraph<'input', K> {
    let graph = this.graphs.get(batch);
    if (!graph) {
      graph = RecordedGraph.record(this.rt, { input: [batch, ...this.inputShape] }, (g, { input }) => this.build(g, input));
      this.graphs.set(batch, graph);
    }
    return graph;
  }

  /** Runs on host data and downloads every output. */
  runHost(data: Float32Array, batch: number): Promise<Record<K, Float32Array>> {
    return this.for(batch).evaluate({ input: data });
  }

  dispose(): void {
    for (const g of this.graphs.values()) g.dispose();
    this.graphs.clear();
  }
}
