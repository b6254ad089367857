import { GpuError } from '../errors.js';
import { Runtime } from './runtime.js';
import { gentlePolling, listAdapters, nodeGpu, releaseNodeGpu, resolveSelection, type NodeGpuOptions } from './node-gpu.js';

/** A Runtime on Dawn (npm `webgpu`); destroy() it to let the process exit. */
export async function createNodeRuntime(options: NodeGpuOptions = {}): Promise<Runtime> {
  const selection = resolveSelection(options);
  const gpu = nodeGpu(selection);
  try {
    return await Runtime.create(gpu, { onDestroy: () => releaseNodeGpu(gpu), wait: gentlePolling });
  } catch (e) {
    releaseNodeGpu(gpu);
    if (selection.adapter !== undefined) await explainUnmatchedAdapter(selection.adapter, selection.backend);
    throw e;
  }
}

/** A wrong adapter name: say which adapters exist instead of how to install a driver. */
async function explainUnmatchedAdapter(wanted: string, backend: string | undefined): Promise<void> {
  const adapters = await listAdapters(backend);
  if (adapters.some((a) => a.name.includes(wanted))) return;
  const where = backend ? ` on backend ${backend}` : '';
  const have = adapters.length ? adapters.map((a) => `'${a.name}' (${a.backend})`).join(', ') : 'none';
  throw new GpuError(`no adapter${where} has '${wanted}' in its name (--adapter / MG3D_ADAPTER); adapters here: ${have}`);
}
