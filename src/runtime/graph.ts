import { planMemory, type InPlaceCandidate, type MemoryPlan, type TensorUse } from './memory-plan.js';
import type { Dispatch, KernelSpec, Runtime } from './runtime.js';
import type { Scope } from './scope.js';
import { Storage, Tensor, type DType } from './tensor.js';

/**
 * A recorded list of dispatches. Models build a Graph per batch size and
 * replay it; running it again encodes the same bind groups, so a 998-step
 * loop allocates nothing per step.
 *
 * Ownership: `g.tensor` makes an intermediate that the graph owns and places.
 * Until place() (called by the first run) it is only a size; place() puts the
 * intermediates into shared buffers by liveness (memory-plan.ts), so two
 * tensors share memory when no dispatch binds both. An intermediate's
 * content is therefore defined only while it is live: from the first
 * dispatch that binds it to the last. Whether a binding writes is the
 * kernel's declared access (KernelSpec.writes). A tensor first bound
 * read-only is an input (the host or an earlier run wrote it): it stays live
 * over the whole graph, and so across replays. One last bound writable is an
 * output, live to the end. Tensors passed to keep() are live over the whole
 * graph. A kernel that reads an intermediate's earlier content through a
 * read_write binding needs it written before, in the same graph: its first
 * binding counts as the write that starts it. A kernel declared in place
 * (KernelSpec.inPlace) writes its output over its input where the plan
 * allows it (memory-plan.ts chooseInPlace: the input dies there, neither is
 * kept): the two then share a buffer and the dispatch runs the kernel's
 * single-binding variant. Tensors from
 * `rt.tensor`/`rt.upload` or a Scope (weights, state) are never placed by a
 * graph: their owner frees them. dispose() frees the intermediates and the
 * dispatches' uniform buffers.
 */
export class Graph {
  private readonly specs: KernelSpec[] = [];
  private readonly storages: Storage[] = [];
  private readonly kept = new Set<Storage>();
  private readonly scope: Scope;
  private placedDispatches: Dispatch[] | undefined;
  private memory: MemoryPlan | undefined;
  private disposed = false;

  constructor(readonly rt: Runtime) {
    this.scope = rt.scope();
  }

  /** An intermediate owned by this graph (see the class comment for when it holds its value). */
  tensor(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    this.assertRecording('tensor');
    const size = shape.reduce((a, b) => a * b, 1);
    const storage = new Storage(Tensor.bytesFor(size, dtype));
    this.rt.checkBindable(storage.byteLength, shape);
    this.storages.push(storage);
    return new Tensor(storage, shape, dtype);
  }

  /** Keeps these tensors live over the whole graph, as inputs the host writes and outputs it reads. */
  keep(...tensors: Tensor[]): void {
    this.assertRecording('keep');
    for (const t of tensors) this.kept.add(t.storage);
  }

  add(spec: KernelSpec): void {
    this.assertRecording('add');
    this.specs.push(spec);
  }

  /** What each recorded dispatch computes, in order. */
  get work(): KernelSpec['work'][] {
    return this.specs.map((s) => s.work);
  }

  /** Where the intermediates go and what they cost; computed once, allocates nothing. */
  memoryPlan(): MemoryPlan {
    this.memory ??= planMemory(this.uses(), this.specs.length, this.inPlaceCandidates());
    return this.memory;
  }

  /** Allocates the planned buffers and builds the dispatches; later calls do nothing. */
  place(): readonly Dispatch[] {
    if (this.disposed) throw new Error('graph: used after dispose()');
    if (!this.placedDispatches) {
      const plan = this.memoryPlan();
      const buffers = plan.buffers.map((bytes) => this.scope.tensor([bytes / 4]).buffer);
      this.storages.forEach((s, i) => s.assign(buffers[plan.placement[i]]));
      const inPlace = new Set(plan.inPlace);
      this.placedDispatches = this.specs.map((spec, at) => this.rt.kernel(inPlace.has(at) ? singleBinding(spec) : spec, this.scope));
    }
    return this.placedDispatches;
  }

  get dispatches(): readonly Dispatch[] {
    return this.place();
  }

  run(repeat = 1): void {
    this.rt.run(this.place(), repeat);
  }

  dispose(): void {
    this.disposed = true;
    this.scope.dispose();
  }

  /** The dispatches whose kernels may write their output over an input intermediate of this graph. */
  private inPlaceCandidates(): InPlaceCandidate[] {
    const index = this.storageIndex();
    return this.specs.flatMap((spec, at) => {
      if (!spec.inPlace) return [];
      const [x, y] = [spec.buffers[spec.inPlace.input], spec.buffers[spec.inPlace.output]];
      const input = x instanceof Tensor ? index.get(x.storage) : undefined;
      const output = y instanceof Tensor ? index.get(y.storage) : undefined;
      return input === undefined || output === undefined ? [] : [{ at, input, output }];
    });
  }

  private storageIndex(): Map<Storage, number> {
    return new Map(this.storages.map((s, i) => [s, i]));
  }

  /** Each intermediate's size and the dispatches that bind it, with how. */
  private uses(): TensorUse[] {
    const index = this.storageIndex();
    const uses: TensorUse[] = this.storages.map((s) => ({ bytes: s.byteLength, accesses: [], kept: this.kept.has(s) }));
    this.specs.forEach((spec, at) => {
      spec.buffers.forEach((b, k) => {
        const i = b instanceof Tensor ? index.get(b.storage) : undefined;
        if (i !== undefined) uses[i].accesses.push({ at, writes: spec.writes[k] });
      });
    });
    return uses;
  }

  private assertRecording(what: string): void {
    if (this.disposed) throw new Error(`graph.${what}: used after dispose()`);
    if (this.placedDispatches) throw new Error(`graph.${what}: the graph is already placed (it ran); record a new one`);
  }
}

/** The dispatch as its kernel's single-binding variant: the input's binding goes, the output holds it. */
function singleBinding(spec: KernelSpec): KernelSpec {
  const { shader, input } = spec.inPlace!;
  const others = (_: unknown, k: number) => k !== input;
  return { ...spec, shader, buffers: spec.buffers.filter(others), writes: spec.writes.filter(others), inPlace: undefined };
}
