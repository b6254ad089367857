export { Runtime, executedFlops, NO_ADAPTER_HELP, UNUSED_BINDING } from './runtime.js';
export type { Dispatch, InPlaceVariant, KernelSpec, KernelWork, AdapterSummary, MemoryStats, SubgroupMatrixConfig } from './runtime.js';
export { Scope, type Allocator } from './scope.js';
export { Tensor, type DType } from './tensor.js';
export { Graph } from './graph.js';
export { RecordedGraph } from './recorded-graph.js';
export type { MemoryPlan } from './memory-plan.js';
