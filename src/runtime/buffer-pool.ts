const STORAGE_USAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST, constants not global in every host

/**
 * Reuses storage buffers by exact (256-byte rounded) size, so graphs that are
 * rebuilt, or tensors freed and re-requested, allocate nothing new. The pool
 * only keeps idle buffers; the Runtime counts the ones handed out.
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private idle = 0;

  constructor(private readonly device: GPUDevice) {}

  /** A buffer of at least `bytes`: an idle one of the same rounded size, or a new one. */
  acquire(bytes: number): GPUBuffer {
    const size = BufferPool.sizeFor(bytes);
    const reused = this.free.get(size)?.pop();
    if (reused) {
      this.idle -= size;
      return reused;
    }
    return this.device.createBuffer({ size, usage: STORAGE_USAGE });
  }

  /** Keeps `buffer` for a later acquire of its size. */
  release(buffer: GPUBuffer): void {
    this.idle += buffer.size;
    const list = this.free.get(buffer.size);
    if (list) list.push(buffer);
    else this.free.set(buffer.size, [buffer]);
  }

  /** Bytes of the idle buffers kept. */
  idleBytes(): number {
    return this.idle;
  }

  /** Frees every idle buffer (the GPU memory goes back to the driver). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.idle = 0;
  }

  /** The size a request of `bytes` is rounded up to. */
  static sizeFor(bytes: number): number {
    return Math.max(256, Math.ceil(bytes / 256) * 256);
  }
}
