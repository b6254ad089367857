import type { Dispatch, KernelSpec, Runtime } from './runtime.js';
import type { DType, Tensor } from './tensor.js';

/**
 * A recorded list of dispatches over tensors allocated once. Models build a
 * Graph per batch size; running it again encodes the same bind groups, so a
 * 998-step loop allocates nothing per step.
 */
export class Graph {
  readonly dispatches: Dispatch[] = [];
  private readonly owned: Tensor[] = [];

  constructor(readonly rt: Runtime) {}

  /** A tensor owned by this graph, freed by release(). */
  tensor(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    const t = this.rt.tensor(shape, dtype);
    this.owned.push(t);
    return t;
  }

  add(spec: KernelSpec): void {
    this.dispatches.push(this.rt.kernel(spec));
  }

  /** Bytes of the tensors this graph owns, in total and the largest one. */
  footprint(): { totalBytes: number; largestBytes: number } {
    const sizes = this.owned.map((t) => t.byteLength);
    return { totalBytes: sizes.reduce((a, b) => a + b, 0), largestBytes: Math.max(0, ...sizes) };
  }

  run(repeat = 1): void {
    this.rt.run(this.dispatches, repeat);
  }

  release(): void {
    this.rt.release(...this.owned.splice(0));
  }
}
