import { availableParallelism } from 'node:os';
import { create, globals } from 'webgpu';
import { UsageError } from '../errors.js';

/**
 * Every `create()` result must stay reachable while any device made from it
 * lives: if it is garbage-collected, dawn.node takes the process down.
 */
const liveInstances = new Set<GPU>();

export interface NodeGpuOptions {
  /** Dawn backend: vulkan, opengl, metal, d3d12, null. Default: env MG3D_BACKEND, else Dawn's choice. */
  backend?: string;
  /** Substring of the adapter name to pick. Default: env MG3D_ADAPTER. */
  adapter?: string;
}

/**
 * llvmpipe (lavapipe) runs a dispatch on one thread per core by default, so
 * a dispatch lasts as long as its slowest thread: on a shared 2-core VM whose
 * second core was intermittently slow, a 512->512 conv ran at 19-21 GFLOP/s
 * with 2 threads and 36-37 with 4 or 8, which keep both cores busy; with both
 * cores free all ran at 40. Each thread also costs every dispatch a little:
 * a narrow UNet step (n_feat 64) took 23 ms with 2 threads, 25 with 4 and
 * 26-55 with 8. So unless the user chose, 2 threads per core. Set before the
 * driver loads: Mesa reads it when the Vulkan instance starts.
 */
function lavapipeThreads(): void {
  process.env.LP_NUM_THREADS ??= String(Math.min(32, 2 * availableParallelism()));
}

/** The backends dawn.node knows (it names them when given another). */
export const DAWN_BACKENDS = ['vulkan', 'metal', 'd3d12', 'd3d11', 'opengl', 'opengles', 'webgpu', 'null'] as const;

/** The backend and adapter name asked for by options or the environment, the backend checked. */
export function resolveSelection(options: NodeGpuOptions = {}): { backend?: string; adapter?: string } {
  const backend = options.backend ?? (process.env.MG3D_BACKEND || undefined);
  if (backend !== undefined && !(DAWN_BACKENDS as readonly string[]).includes(backend)) {
    const source = options.backend !== undefined ? '--backend' : 'MG3D_BACKEND';
    throw new UsageError(`${source}: unknown backend '${backend}'; one of ${DAWN_BACKENDS.join(', ')}`);
  }
  return { backend, adapter: options.adapter ?? (process.env.MG3D_ADAPTER || undefined) };
}

export function nodeGpu(options: NodeGpuOptions = {}): GPU {
  const { backend, adapter } = resolveSelection(options);
  return dawnInstance([...(backend ? [`backend=${backend}`] : []), ...(adapter ? [`adapter=${adapter}`] : [])]);
}

/**
 * Dawn toggles for the subgroup-matrix GEMM (src/ops/gemm.ts); dawn.node
 * applies them to the instance, the adapter and the device alike.
 * allow_unsafe_apis: Dawn offers chromium-experimental-* features only with
 * it (on lavapipe it adds chromium-experimental-sampling-resource-table and
 * multi-draw-indirect). use_vulkan_memory_model: Vulkan subgroup matrices
 * need it; Dawn turns it on by default where the driver has the memory
 * model, so naming it only keeps it on. vulkan_enable_f16_on_nvidia: Dawn
 * withholds shader-f16, and so every f16 subgroup-matrix shape, on NVIDIA
 * without it. dawn.node ignores toggle names it does not know, silently.
 */
const DAWN_TOGGLES = ['allow_unsafe_apis', 'use_vulkan_memory_model', 'vulkan_enable_f16_on_nvidia'];

function dawnInstance(selection: string[]): GPU {
  Object.assign(globalThis, globals);
  lavapipeThreads();
  // Dawn rounds timestamp queries to 65.536 us (a web timing guard); mg3d profile needs real values.
  const gpu = create([`enable-dawn-features=${DAWN_TOGGLES.join(',')}`, 'disable-dawn-features=timestamp_quantization', ...selection]) as GPU;
  liveInstances.add(gpu);
  return gpu;
}

export interface AdapterListing {
  backend: string;
  name: string;
}

/**
 * The adapters Dawn can open (on `backend`, if given). dawn.node has no
 * enumeration call; asked for an adapter name that matches nothing, it
 * rejects with the list, which is its documented way to get it.
 */
export async function listAdapters(backend?: string): Promise<AdapterListing[]> {
  const gpu = dawnInstance([...(backend ? [`backend=${backend}`] : []), 'adapter=\u0001mg3d-no-such-adapter']);
  try {
    await gpu.requestAdapter();
    return [];
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e);
    return [...text.matchAll(/^ \* backend: '([^']*)', name: '(.*)'$/gm)].map((m) => ({ backend: m[1]!, name: m[2]! }));
  } finally {
    releaseNodeGpu(gpu);
  }
}

/** Lets the process exit once every device from `gpu` is destroyed. */
export function releaseNodeGpu(gpu: GPU): void {
  liveInstances.delete(gpu);
}

const SPIN_MS = 0.5;
const POLL_MS = 1;
let waits = 0;
let waitStart = 0;
let realSetImmediate: typeof setImmediate = globalThis.setImmediate;

const throttledSetImmediate = ((fn: (...args: unknown[]) => void, ...args: unknown[]) =>
  performance.now() - waitStart < SPIN_MS ? realSetImmediate(fn, ...args) : setTimeout(fn, POLL_MS, ...args)) as unknown as typeof setImmediate;

/**
 * dawn.node resolves GPU promises by re-queuing a poll through
 * globalThis.setImmediate for as long as one is pending: a busy loop that
 * takes a whole core from CPU adapters such as lavapipe. While we wait, polls
 * spin for SPIN_MS (short round trips stay fast) and then back off to a
 * POLL_MS timer. Only our own waits are affected; the original is restored
 * when the last one ends.
 */
export async function gentlePolling<T>(p: Promise<T>): Promise<T> {
  if (waits++ === 0) {
    realSetImmediate = globalThis.setImmediate;
    waitStart = performance.now();
    globalThis.setImmediate = throttledSetImmediate;
  }
  try {
    return await p;
  } finally {
    if (--waits === 0 && globalThis.setImmediate === throttledSetImmediate) globalThis.setImmediate = realSetImmediate;
  }
}
