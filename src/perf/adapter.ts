import type { Runtime } from '../runtime/index.js';
import type { AdapterReport } from './bench-report.js';

/** Software adapters: Mesa's lavapipe (reported as llvmpipe) and SwiftShader. */
const CPU_ADAPTER = /llvmpipe|lavapipe|swiftshader/i;

export function adapterReport(rt: Runtime): AdapterReport {
  return {
    name: rt.adapterName,
    ...rt.adapter,
    isCpu: CPU_ADAPTER.test(rt.adapterName),
    maxStorageBufferBindingSize: rt.limits.maxStorageBufferBindingSize,
    maxBufferSize: rt.limits.maxBufferSize,
  };
}
