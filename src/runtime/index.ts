export { Runtime, executedFlops, NO_ADAPTER_HELP } from './runtime.js';
export type { Dispatch, KernelSpec, KernelWork, AdapterSummary } from './runtime.js';
export { Tensor, type DType } from './tensor.js';
export { Graph } from './graph.js';
