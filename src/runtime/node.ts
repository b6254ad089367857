import { Runtime } from './runtime.js';
import { nodeGpu, releaseNodeGpu, type NodeGpuOptions } from './node-gpu.js';

/** A Runtime on Dawn (npm `webgpu`); destroy() it to let the process exit. */
export async function createNodeRuntime(options: NodeGpuOptions = {}): Promise<Runtime> {
  const gpu = nodeGpu(options);
  try {
    return await Runtime.create(gpu, () => releaseNodeGpu(gpu));
  } catch (e) {
    releaseNodeGpu(gpu);
    throw e;
  }
}
