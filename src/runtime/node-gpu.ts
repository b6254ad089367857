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

export function nodeGpu(options: NodeGpuOptions = {}): GPU {
  Object.assign(globalThis, globals);
  const flags: string[] = [];
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
