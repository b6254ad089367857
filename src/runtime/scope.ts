import type { Runtime } from './runtime.js';
import type { DType, Tensor } from './tensor.js';

export const UNIFORM_USAGE = 0x40 | 0x8; // UNIFORM | COPY_DST, constants not global in every host

/**
 * Where GPU memory comes from. The Runtime itself hands out memory that the
 * caller frees (`rt.release`); a Scope hands out memory that it frees, all at
 * once, in dispose(). Loaders take an Allocator so that a model's weights land
 * in the model's scope while a test can still upload straight from the runtime.
 */
export interface Allocator {
  readonly runtime: Runtime;
  /** An uninitialised tensor. */
  tensor(shape: readonly number[], dtype?: DType): Tensor;
  /** A tensor holding `data`, stored as `dtype`. */
  upload(data: Float32Array, shape: readonly number[], dtype?: DType): Tensor;
  /** A raw buffer (small state words), counted in runtime.memoryStats(). */
  buffer(descriptor: GPUBufferDescriptor): GPUBuffer;
  /** A uniform buffer holding `bytes`. */
  uniform(bytes: ArrayBuffer): GPUBuffer;
}

/**
 * The owner of a set of GPU resources: every tensor and buffer made through it,
 * and every child scope, is freed by dispose(). Each long-lived object (a
 * model's networks, a recorded graph, a sampler plan) holds one scope, so
 * freeing that object frees exactly what it allocated.
 */
export class Scope implements Allocator {
  private readonly tensors: Tensor[] = [];
  private readonly buffers: GPUBuffer[] = [];
  private readonly children = new Set<Scope>();
  private disposed = false;

  constructor(
    readonly runtime: Runtime,
    private readonly parent?: Scope,
  ) {}

  tensor(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    return this.own(() => this.runtime.tensor(shape, dtype));
  }

  upload(data: Float32Array, shape: readonly number[], dtype: DType = 'f32'): Tensor {
    return this.own(() => this.runtime.upload(data, shape, dtype));
  }

  buffer(descriptor: GPUBufferDescriptor): GPUBuffer {
    this.assertOpen();
    const b = this.runtime.buffer(descriptor);
    this.buffers.push(b);
    return b;
  }

  uniform(bytes: ArrayBuffer): GPUBuffer {
    const b = this.buffer({ size: bytes.byteLength, usage: UNIFORM_USAGE });
    this.runtime.device.queue.writeBuffer(b, 0, bytes);
    return b;
  }

  /** A scope freed with this one (or earlier, by its own dispose()). */
  child(): Scope {
    this.assertOpen();
    const s = new Scope(this.runtime, this);
    this.children.add(s);
    return s;
  }

  /** Frees everything this scope and its children own; later calls do nothing. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of [...this.children]) c.dispose();
    this.runtime.release(...this.tensors.splice(0), ...this.buffers.splice(0));
    this.parent?.children.delete(this);
  }

  private own(make: () => Tensor): Tensor {
    this.assertOpen();
    const t = make();
    this.tensors.push(t);
    return t;
  }

  private assertOpen(): void {
    if (this.disposed) throw new Error('allocation from a disposed scope');
  }
}
