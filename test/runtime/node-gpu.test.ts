import { create } from 'webgpu';
import { describe, expect, it } from 'vitest';
import { nodeGpu, releaseNodeGpu } from '../../src/runtime/node-gpu.js';
import { useRuntime } from '../helpers/gpu.js';

describe('the Dawn instance of nodeGpu()', () => {
  const rt = useRuntime();

  it('takes its toggles: allow_unsafe_apis adds features the plain instance does not offer', async () => {
    const gpu = nodeGpu();
    const plain = create([]) as GPU;
    const features = [...((await gpu.requestAdapter())?.features ?? [])];
    const plainFeatures = [...((await plain.requestAdapter())?.features ?? [])];
    releaseNodeGpu(gpu);
    expect(features).toEqual(expect.arrayContaining(plainFeatures));
    // lavapipe: chromium-experimental-sampling-resource-table and multi-draw-indirect.
    expect(features.filter((f) => !plainFeatures.includes(f)).length).toBeGreaterThan(0);
  });

  it('asks for subgroup matrices and their shapes only where the adapter has them, and for shader-f16 where it is', async () => {
    const gpu = nodeGpu();
    const adapter = await gpu.requestAdapter();
    releaseNodeGpu(gpu);
    const has = (f: string) => adapter?.features.has(f) ?? false;
    expect(rt().device.features.has('shader-f16')).toBe(has('shader-f16'));
    expect(rt().device.features.has('chromium-experimental-subgroup-matrix')).toBe(has('chromium-experimental-subgroup-matrix'));
    if (!has('chromium-experimental-subgroup-matrix')) expect(rt().subgroupMatrixConfigs).toEqual([]);
    for (const c of rt().subgroupMatrixConfigs) expect(Object.keys(c).sort()).toEqual(['K', 'M', 'N', 'componentType', 'resultComponentType']);
  });
});
