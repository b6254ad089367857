import { Runtime } from './runtime.js';

/** A Runtime on the browser's navigator.gpu. */
export function createBrowserRuntime(): Promise<Runtime> {
  const gpu = typeof navigator !== 'undefined' ? navigator.gpu : undefined;
  return Runtime.create(gpu);
}
