import { Runtime } from './runtime.js';
import { gentlePolling, nodeGpu, releaseNodeGpu, type NodeGpuOptions } from './node-gpu.js';

/** A Runtime on Dawn (npm `webgpu`); destroy() it to let the process exit. */
export async function createNodeRuntime(options: NodeGpuOptions = {}): Promise<Runtime> {
  const gpu = nodeGpu(options);
  try {
    return await Runtime.create(gpu, { onDestroy: () => releaseNodeGpu(gpu), wait: gentlePolling });
  } catch (e) {
    releaseNodeGpu(gpu);
    throw e;
  }
}
