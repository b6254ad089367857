import { availableParallelism } from 'node:os';
import { create, globals } from 'webgpu';

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

export function nodeGpu(options: NodeGpuOptions = {}): GPU {
  Object.assign(globalThis, globals);
  lavapipeThreads();
  // Dawn rounds timestamp queries to 65.536 us (a web timing guard); mg3d profile needs real values.
  const flags: string[] = ['disable-dawn-features=timestamp_quantization'];
  const backend = options.backend ?? process.env.MG3D_BACKEND;
  const adapter = options.adapter ?? process.env.MG3D_ADAPTER;
  if (backend) flags.push(`backend=${backend}`);
  if (adapter) flags.push(`adapter=${adapter}`);
  const gpu = create(flags) as GPU;
  liveInstances.add(gpu);
  return gpu;
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
