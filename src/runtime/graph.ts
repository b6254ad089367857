import type { Dispatch, KernelSpec, Runtime } from './runtime.js';
import type { Scope } from './scope.js';
import type { DType, Tensor } from './tensor.js';

/**
 * A recorded list of dispatches over tensors allocated once. Models build a
 * Graph per batch size; running it again encodes the same bind groups, so a
 * 998-step loop allocates nothing per step. The graph owns its tensors and
 * its dispatches' uniform buffers: dispose() frees them.
 */
export class Graph {
  readonly dispatches: Dispatch[] = [];
  private readonly scope: Scope;
  private readonly owned: Tensor[] = [];

  constructor(readonly rt: Runtime) {
    this.scope = rt.scope();
  }

  /** A tensor owned by this graph, freed by dispose(). */
  tensor(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    const t = this.scope.tensor(shape, dtype);
    this.owned.push(t);
    return t;
  }

  add(spec: KernelSpec): void {
    this.dispatches.push(this.rt.kernel(spec, this.scope));
  }

  /** Bytes of the tensors this graph owns, in total and the largest one. */
  footprint(): { totalBytes: number; largestBytes: number } {
    const sizes = this.owned.map((t) => t.byteLength);
    return { totalBytes: sizes.reduce((a, b) => a + b, 0), largestBytes: Math.max(0, ...sizes) };
  }

  run(repeat = 1): void {
    this.rt.run(this.dispatches, repeat);
  }

  dispose(): void {
    this.scope.dispose();
    this.owned.length = 0;
  }
}
