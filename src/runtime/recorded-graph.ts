import { Graph } from './graph.js';
import type { MemoryPlan } from './memory-plan.js';
import type { Runtime } from './runtime.js';
import type { HostTensor } from '../io/host-tensor.js';
import type { Tensor } from './tensor.js';

/**
 * A graph with named inputs and outputs: the one way the engine runs a
 * network on data (the API's stages, check, tests and benchmarks). The graph
 * owns its inputs (live over the whole graph) and outputs (kept), so they
 * can be written and read between runs; dispose() frees everything.
 */
export class RecordedGraph<I extends string, O extends string> {
  private constructor(
    readonly graph: Graph,
    readonly inputs: Readonly<Record<I, Tensor>>,
    readonly outputs: Readonly<Record<O, Tensor>>,
  ) {}

  /** Records `build` over new input tensors of the given shapes and places it. */
  static record<I extends string, O extends string>(
    rt: Runtime,
    inputShapes: Record<I, readonly number[]>,
    build: (g: Graph, inputs: Record<I, Tensor>) => Record<O, Tensor>,
  ): RecordedGraph<I, O> {
    const g = new Graph(rt);
    try {
      const inputs = {} as Record<I, Tensor>;
      for (const k of Object.keys(inputShapes) as I[]) inputs[k] = g.tensor(inputShapes[k]);
      g.keep(...Object.values<Tensor>(inputs));
      const outputs = build(g, inputs);
      g.keep(...Object.values<Tensor>(outputs));
      g.place();
      return new RecordedGraph(g, inputs, outputs);
    } catch (e) {
      g.dispose();
      throw e;
    }
  }

  /** Records, runs once on `inputs`, downloads every output and frees the graph. */
  static async evaluateOnce<I extends string, O extends string>(
    rt: Runtime,
    inputs: Record<I, HostTensor>,
    build: (g: Graph, inputs: Record<I, Tensor>) => Record<O, Tensor>,
  ): Promise<Record<O, Float32Array>> {
    const shapes = {} as Record<I, readonly number[]>;
    const data = {} as Record<I, Float32Array>;
    for (const k of Object.keys(inputs) as I[]) {
      shapes[k] = inputs[k].shape;
      data[k] = inputs[k].data;
    }
    const r = RecordedGraph.record(rt, shapes, build);
    try {
      return await r.evaluate(data);
    } finally {
      r.dispose();
    }
  }

  get memoryPlan(): MemoryPlan {
    return this.graph.memoryPlan();
  }

  /** Copies host values into the inputs named. */
  write(data: Partial<Record<I, Float32Array>>): void {
    for (const k of Object.keys(data) as I[]) this.graph.rt.write(this.inputs[k], data[k]!);
  }

  run(repeat = 1): void {
    this.graph.run(repeat);
  }

  /** Downloads every output. */
  async read(): Promise<Record<O, Float32Array>> {
    const result = {} as Record<O, Float32Array>;
    for (const k of Object.keys(this.outputs) as O[]) result[k] = await this.graph.rt.download(this.outputs[k]);
    return result;
  }

  /** Inputs in, outputs out: write, run once, read. */
  async evaluate(data: Partial<Record<I, Float32Array>>): Promise<Record<O, Float32Array>> {
    this.write(data);
    this.run();
    return this.read();
  }

  dispose(): void {
    this.graph.dispose();
  }
}
