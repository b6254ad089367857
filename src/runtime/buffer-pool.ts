const STORAGE_USAGE = 0x80 | 0x4 | 0x8; // STORAGE | COPY_SRC | COPY_DST, constants not global in every host

/**
 * Reuses storage buffers by exact (256-byte rounded) size, so graphs that are
 * rebuilt, or tensors freed and re-requested, allocate nothing new.
 */
export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  private live = 0;
  private peak = 0;

  constructor(private readonly device: GPUDevice) {}

  acquire(bytes: number): GPUBuffer {
    const size = Math.max(256, Math.ceil(bytes / 256) * 256);
    const reused = this.free.get(size)?.pop();
    this.live += size;
    this.peak = Math.max(this.peak, this.live);
    return reused ?? this.device.createBuffer({ size, usage: STORAGE_USAGE });
  }

  release(buffer: GPUBuffer): void {
    this.live -= buffer.size;
    const list = this.free.get(buffer.size);
    if (list) list.push(buffer);
    else this.free.set(buffer.size, [buffer]);
  }

  /** Bytes handed out and not yet released, and the most ever at once. */
  stats(): { liveBytes: number; peakBytes: number } {
    return { liveBytes: this.live, peakBytes: this.peak };
  }

  /** Frees every idle buffer (the GPU memory goes back to the driver). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
  }
}
