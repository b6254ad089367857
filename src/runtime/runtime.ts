import { GpuError } from '../errors.js';
import { describeCompileMessage, type Shader } from '../kernel/wgsl-source.js';
import { BufferPool } from './buffer-pool.js';
import { fromHalfBits, toHalfBits } from './half.js';
import { Scope, UNIFORM_USAGE, type Allocator } from './scope.js';
import { Tensor, type DType } from './tensor.js';

const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, UNIFORM: 0x40, STORAGE: 0x80 } as const;

export const NO_ADAPTER_HELP =
  'No WebGPU adapter found. In a browser, use one with WebGPU enabled (Chrome/Edge 113+, or ' +
  '--enable-unsafe-webgpu). On Linux without a GPU, install a Vulkan CPU driver that Dawn accepts: ' +
  'Mesa >= 25 lavapipe (Debian 12: `bash .ci/install-vulkan.sh`, which adds bookworm-backports and ' +
  'installs mesa-vulkan-drivers). Pick a backend or adapter with MG3D_BACKEND / MG3D_ADAPTER.';

/**
 * One shape of chromium-experimental-subgroup-matrix the adapter runs
 * (GPUAdapterInfo.subgroupMatrixConfigs; not yet in @webgpu/types): M x K
 * left times K x N right matrices of `componentType`, into M x N results of
 * `resultComponentType`.
 */
export interface SubgroupMatrixConfig {
  componentType: string;
  resultComponentType: string;
  M: number;
  N: number;
  K: number;
}

const SUBGROUP_MATRIX = 'chromium-experimental-subgroup-matrix' as GPUFeatureName;

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  features: string[];
}

/** What the host environment adds to a runtime. */
export interface RuntimeHost {
  onDestroy?: () => void;
  /** Wraps every wait on the GPU (Node uses it to tame Dawn's polling). */
  wait?: <T>(p: Promise<T>) => Promise<T>;
}

/** What one dispatch computes, declared by its op so that profiles need not guess it from the bindings. */
export interface KernelWork {
  /** The op with its shapes, e.g. 'conv3d 512->512 k3 s1 -> 8x8x4 (B=1)'. */
  signature: string;
  /** Memory traffic it cannot avoid: every input read once, every output written once. */
  bytes: number;
  /**
   * The op's multiply-adds as a dense count would have them (PyTorch's count,
   * for comparable GFLOP/s), 2 FLOP each; left out for memory-bound kernels.
   */
  flops?: number;
  /** The multiply-adds the kernel really executes, 2 FLOP each, where fewer than `flops` (Winograd). */
  executedFlops?: number;
}

/** What a dispatch really computes: its executed FLOP, else its dense count. */
export function executedFlops(work: KernelWork): number {
  return work.executedFlops ?? work.flops ?? 0;
}

/** One recorded compute dispatch: replayable as often as needed. */
export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
  work: KernelWork;
}

/**
 * Stands for a storage binding that the dispatch's overrides leave unread
 * (a norm without affine or residual): the runtime binds a placeholder there,
 * never a tensor of the dispatch, so an in-place variant stays valid.
 */
export const UNUSED_BINDING: unique symbol = Symbol('unused binding');

/** The single-binding variant of a dispatch whose output may overwrite an input (KernelDeclaration.inPlace). */
export interface InPlaceVariant {
  shader: Shader;
  /** Indices into KernelSpec.buffers: the input the variant does not bind, and the output that holds it. */
  input: number;
  output: number;
}

export interface KernelSpec {
  label: string;
  work: KernelWork;
  /** A declared kernel's shader (src/kernel/): its name and the constants key the pipeline. */
  shader: Shader;
  constants?: Record<string, number>;
  /** Uniform parameters, bound at @binding(0) when present. */
  params?: ArrayBuffer;
  /** Storage buffers, bound in order from @binding(1) (or 0 without params). */
  buffers: (Tensor | GPUBuffer | typeof UNUSED_BINDING)[];
  /** Whether the kernel may write each of `buffers` (its declared read_write bindings): graphs plan lifetimes by it. */
  writes: boolean[];
  workgroups: [number, number, number];
  /** Given when the output may take the input's buffer: a graph runs this variant where the input dies (Graph.place). */
  inPlace?: InPlaceVariant;
}

/** The runtime's account of GPU memory (runtime.memoryStats()). */
export interface MemoryStats {
  /** Bytes of every buffer handed out and not yet released: tensors, uniforms, state words, staging. */
  liveBytes: number;
  /** The most liveBytes has been since the runtime was created. */
  peakBytes: number;
  /** How many buffers liveBytes is made of. */
  liveBuffers: number;
  /** Idle buffers the pool keeps for reuse: GPU memory still held, freed by trim(). */
  pooledBytes: number;
}

/**
 * The device, its buffer pool and pipeline cache. Everything GPU-side in the
 * engine goes through one Runtime; it works the same in Node and browsers.
 *
 * Ownership: memory from `rt.tensor`, `rt.upload` and `rt.buffer` belongs to
 * the caller, who frees it with `rt.release`; memory from a Scope
 * (`rt.scope()`) belongs to the scope and is freed by its dispose(); a graph's
 * `g.tensor` is an intermediate that the graph places (see Graph). Every
 * buffer is counted in memoryStats().
 */
export class Runtime implements Allocator {
  private readonly pool: BufferPool;
  readonly limits: GPUSupportedLimits;
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private readonly modules = new Map<string, GPUShaderModule>();
  /** Tests set this so that an element a kernel forgets to write reads NaN (a graph's shared buffers: NaN when placed). */
  poisonNewTensors = false;
  private firstError: string | undefined;
  /** The first WGSL compile error, placed in its source file; it explains the validation errors that follow it. */
  private compileError: string | undefined;
  private readonly compiling: Promise<void>[] = [];
  private lostReason: string | undefined;
  /** Every buffer handed out and not yet released; true for the pool's storage buffers. */
  private readonly live = new Map<GPUBuffer, boolean>();
  private liveBytes = 0;
  private peakBytes = 0;
  /** What UNUSED_BINDING binds: one word, never read. */
  private readonly placeholder: GPUBuffer;

  private constructor(
    readonly device: GPUDevice,
    readonly adapter: AdapterSummary,
    /** The adapter's subgroup-matrix shapes; empty unless the device has the feature. */
    readonly subgroupMatrixConfigs: readonly SubgroupMatrixConfig[],
    private readonly host: RuntimeHost,
  ) {
    this.pool = new BufferPool(device);
    this.limits = device.limits;
    this.placeholder = this.buffer({ size: 4, usage: USAGE.STORAGE });
    device.addEventListener('uncapturederror', (e) => {
      this.firstError ??= (e as GPUUncapturedErrorEvent).error.message;
    });
    void device.lost.then((info) => {
      if (info.reason !== 'destroyed') this.lostReason = info.message || String(info.reason);
    });
  }

  static async create(gpu: GPU | undefined, host: RuntimeHost = {}): Promise<Runtime> {
    if (!gpu) throw new GpuError(NO_ADAPTER_HELP);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' }).catch((e: unknown) => {
      throw new GpuError(`${NO_ADAPTER_HELP} (${e instanceof Error ? e.message.split('\n')[0] : String(e)})`);
    });
    if (!adapter) throw new GpuError(NO_ADAPTER_HELP);
    // Subgroup matrices need subgroups, and shader-f16 for their f16 shapes.
    const wanted: GPUFeatureName[] = ['timestamp-query', 'subgroups', 'shader-f16', SUBGROUP_MATRIX];
    const requiredFeatures = wanted.filter((f) => adapter.features.has(f) && (f !== SUBGROUP_MATRIX || adapter.features.has('subgroups')));
    const l = adapter.limits;
    const device = await adapter.requestDevice({
      requiredFeatures,
      requiredLimits: {
        maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
        maxBufferSize: l.maxBufferSize,
        maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
        maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
        maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
        maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
        maxComputeWorkgroupSizeY: l.maxComputeWorkgroupSizeY,
        maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      },
    });
    const info = adapter.info;
    const summary: AdapterSummary = {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      features: [...device.features].sort(),
    };
    const configs = device.features.has(SUBGROUP_MATRIX)
      ? ((info as GPUAdapterInfo & { subgroupMatrixConfigs?: readonly SubgroupMatrixConfig[] }).subgroupMatrixConfigs ?? [])
      : [];
    const subgroupMatrixConfigs = configs.map(({ componentType, resultComponentType, M, N, K }) => ({ componentType, resultComponentType, M, N, K }));
    return new Runtime(device, summary, subgroupMatrixConfigs, host);
  }

  /** A human-readable adapter name. */
  get adapterName(): string {
    const a = this.adapter;
    return [a.vendor, a.architecture, a.device, a.description].filter((s) => s).join(' / ') || 'unknown adapter';
  }

  /** Allocating from the runtime itself: the caller releases what it gets. */
  get runtime(): Runtime {
    return this;
  }

  /** A new owner of GPU memory; its dispose() frees everything made through it. */
  scope(): Scope {
    return new Scope(this);
  }

  /** An uninitialised tensor from the pool; the caller releases it. */
  tensor(shape: readonly number[], dtype: DType = 'f32'): Tensor {
    const size = shape.reduce((a, b) => a * b, 1);
    const bytes = Tensor.bytesFor(size, dtype);
    this.checkBindable(bytes, shape);
    const buffer = this.pool.acquire(bytes);
    this.count(buffer, true);
    const t = new Tensor(buffer, shape, dtype);
    if (this.poisonNewTensors) this.write(t, new Float32Array(size).fill(NaN));
    return t;
  }

  /** A raw buffer outside the pool (state words); the caller releases it. */
  buffer(descriptor: GPUBufferDescriptor): GPUBuffer {
    const b = this.device.createBuffer(descriptor);
    this.count(b, false);
    return b;
  }

  /** A uniform buffer holding `bytes`; the caller releases it. */
  uniform(bytes: ArrayBuffer): GPUBuffer {
    const b = this.buffer({ size: bytes.byteLength, usage: UNIFORM_USAGE });
    this.device.queue.writeBuffer(b, 0, bytes);
    return b;
  }

  /** A tensor holding `data`, stored as `dtype` (f16 rounds to nearest even). */
  upload(data: Float32Array, shape: readonly number[], dtype: DType = 'f32'): Tensor {
    const t = this.tensor(shape, dtype);
    if (data.length !== t.size) throw new Error(`upload: ${data.length} values for shape [${shape}]`);
    this.write(t, data);
    return t;
  }

  write(t: Tensor, data: Float32Array): void {
    if (data.length !== t.size) throw new Error(`write: ${data.length} values for shape [${t.shape}]`);
    const stored = t.dtype === 'f16' ? wordAligned(toHalfBits(data)) : data;
    this.device.queue.writeBuffer(t.buffer, 0, stored.buffer, stored.byteOffset, stored.byteLength);
  }

  /** GPU-side copy of `count` elements from src[srcOffset..] to dst[dstOffset..]. */
  copy(src: Tensor, srcOffset: number, dst: Tensor, dstOffset: number, count: number): void {
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(src.buffer, srcOffset * 4, dst.buffer, dstOffset * 4, count * 4);
    this.device.queue.submit([enc.finish()]);
  }

  /** Frees tensors (their buffers go back to the pool) and raw buffers (destroyed). */
  release(...items: (Tensor | GPUBuffer)[]): void {
    for (const item of items) {
      const buffer = item instanceof Tensor ? item.buffer : item;
      const pooled = this.live.get(buffer);
      if (pooled === undefined) throw new Error(`release: ${item instanceof Tensor ? `tensor [${item.shape}]` : 'buffer'} is not live (freed twice?)`);
      this.live.delete(buffer);
      this.liveBytes -= buffer.size;
      if (pooled) this.pool.release(buffer);
      else buffer.destroy();
    }
  }

  memoryStats(): MemoryStats {
    return { liveBytes: this.liveBytes, peakBytes: this.peakBytes, liveBuffers: this.live.size, pooledBytes: this.pool.idleBytes() };
  }

  /** Frees the pool's idle buffers (the GPU memory goes back to the driver). */
  trim(): void {
    this.pool.trim();
  }

  async download(t: Tensor): Promise<Float32Array> {
    const staging = this.buffer({ size: t.byteLength, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(t.buffer, 0, staging, 0, t.byteLength);
    this.device.queue.submit([enc.finish()]);
    let bytes: ArrayBuffer;
    try {
      await this.wait(staging.mapAsync(USAGE.MAP_READ));
      bytes = staging.getMappedRange().slice(0);
      staging.unmap();
    } catch (e) {
      await this.compiled();
      this.throwIfFailed();
      throw e;
    } finally {
      this.release(staging);
    }
    const out = t.dtype === 'f16' ? fromHalfBits(new Uint16Array(bytes, 0, t.size)) : new Float32Array(bytes);
    await this.compiled();
    this.throwIfFailed();
    return out;
  }

  pipeline(shader: Shader, constants: Record<string, number> = {}, label = shader.name): GPUComputePipeline {
    const key = `${shader.name}\u0000${JSON.stringify(constants)}`;
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.module(shader);
      p = this.device.createComputePipeline({ layout: 'auto', label, compute: { module, entryPoint: shader.entryPoint, constants } });
      this.pipelines.set(key, p);
    }
    return p;
  }

  /** The compiled shader; its compile errors are reported at the next sync, naming the source file and line. */
  module(shader: Shader): GPUShaderModule {
    let module = this.modules.get(shader.name);
    if (!module) {
      module = this.device.createShaderModule({ code: shader.code, label: shader.name });
      this.modules.set(shader.name, module);
      const checked = module.getCompilationInfo().then((info) => {
        const errors = info.messages.filter((m) => m.type === 'error');
        if (errors.length) this.compileError ??= `kernel ${shader.name}: ${errors.map((m) => describeCompileMessage(shader, m)).join('; ')}`;
      });
      this.compiling.push(checked);
    }
    return module;
  }

  /** Builds (but does not run) one dispatch; its uniform buffer belongs to `owner`. */
  kernel(spec: KernelSpec, owner: Allocator): Dispatch {
    const pipeline = this.pipeline(spec.shader, spec.constants, spec.label);
    const entries: GPUBindGroupEntry[] = [];
    let binding = 0;
    if (spec.params) entries.push({ binding: binding++, resource: { buffer: owner.uniform(spec.params) } });
    for (const b of spec.buffers) {
      const buffer = b === UNUSED_BINDING ? this.placeholder : b instanceof Tensor ? b.buffer : b;
      entries.push({ binding: binding++, resource: { buffer } });
    }
    const bindGroup = this.device.createBindGroup({ label: spec.label, layout: pipeline.getBindGroupLayout(0), entries });
    return { label: spec.label, pipeline, bindGroup, workgroups: spec.workgroups, work: spec.work };
  }

  /** Encodes the dispatches `repeat` times into one command buffer and submits it. */
  run(dispatches: readonly Dispatch[], repeat = 1): void {
    // Validation errors wait for the next sync: it also knows where in the WGSL a compile error lies.
    this.throwIfLost();
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (let r = 0; r < repeat; r++) {
      for (const d of dispatches) {
        pass.setPipeline(d.pipeline);
        pass.setBindGroup(0, d.bindGroup);
        pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
      }
    }
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  /** Waits for all submitted work; surfaces validation errors and device loss. */
  async sync(): Promise<void> {
    await this.wait(this.device.queue.onSubmittedWorkDone());
    await this.compiled();
    this.throwIfFailed();
  }

  throwIfFailed(): void {
    this.throwIfLost();
    if (this.compileError) {
      const msg = this.compileError;
      this.compileError = undefined;
      this.firstError = undefined;
      throw new GpuError(`WGSL compile error in ${msg}`);
    }
    if (this.firstError) {
      const msg = this.firstError;
      this.firstError = undefined;
      throw new GpuError(`WebGPU error: ${msg}`);
    }
  }

  destroy(): void {
    this.trim();
    this.device.destroy();
    this.host.onDestroy?.();
  }

  private count(buffer: GPUBuffer, pooled: boolean): void {
    this.live.set(buffer, pooled);
    this.liveBytes += buffer.size;
    this.peakBytes = Math.max(this.peakBytes, this.liveBytes);
  }

  private throwIfLost(): void {
    if (this.lostReason) throw new GpuError(`GPU device lost: ${this.lostReason}`);
  }

  /** Waits for the compile checks of the shaders created so far. */
  private async compiled(): Promise<void> {
    await this.wait(Promise.all(this.compiling.splice(0)));
  }

  private wait<T>(p: Promise<T>): Promise<T> {
    return this.host.wait ? this.host.wait(p) : p;
  }

  /** Throws the user-facing error for a tensor larger than one binding may be. */
  checkBindable(bytes: number, shape: readonly number[]): void {
    const max = this.limits.maxStorageBufferBindingSize;
    if (bytes > max) {
      throw new GpuError(
        `tensor [${shape}] needs ${(bytes / 2 ** 20).toFixed(1)} MiB, over this adapter's ` +
          `maxStorageBufferBindingSize of ${(max / 2 ** 20).toFixed(1)} MiB; use a smaller batch`,
      );
    }
  }
}

/** writeBuffer copies whole 4-byte words: an odd count of halves gets one zero half. */
function wordAligned(halves: Uint16Array): Uint16Array {
  if (halves.length % 2 === 0) return halves;
  const padded = new Uint16Array(halves.length + 1);
  padded.set(halves);
  return padded;
}
