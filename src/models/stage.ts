import { Graph, type Runtime, type Tensor } from '../runtime/index.js';

/**
 * A network recorded once per batch size over a fixed input tensor: callers
 * copy data into `input`, run, and read `outputs`. Nothing is allocated on reuse.
 */
export class Stage<K extends string> {
  private readonly graphs = new Map<number, { graph: Graph; input: Tensor; outputs: Record<K, Tensor> }>();

  constructor(
    private readonly rt: Runtime,
    private readonly inputShape: readonly number[],
    private readonly build: (g: Graph, input: Tensor) => Record<K, Tensor>,
  ) {}

  for(batch: number): { graph: Graph; input: Tensor; outputs: Record<K, Tensor> } {
    let entry = this.graphs.get(batch);
    if (!entry) {
      const graph = new Graph(this.rt);
      const input = graph.tensor([batch, ...this.inputShape]);
      entry = { graph, input, outputs: this.build(graph, input) };
      this.graphs.set(batch, entry);
    }
    return entry;
  }

  /** Runs on host data and downloads every output. */
  async runHost(data: Float32Array, batch: number): Promise<Record<K, Float32Array>> {
    const e = this.for(batch);
    this.rt.write(e.input, data);
    e.graph.run();
    const result = {} as Record<K, Float32Array>;
    for (const k of Object.keys(e.outputs) as K[]) result[k] = await this.rt.download(e.outputs[k]);
    return result;
  }

  dispose(): void {
    for (const e of this.graphs.values()) e.graph.dispose();
    this.graphs.clear();
  }
}
