import elementwiseWgsl from '../../shaders/elementwise.wgsl';
import { grid } from '../kernel/kernel.js';
import { wgslConstant } from '../kernel/wgsl-source.js';

/** The WGSL part of elementwise kernels: their workgroup size and elementwise_index(). */
export const ELEMENTWISE_PART = elementwiseWgsl;
const ELEMENTWISE_WORKGROUP = wgslConstant(elementwiseWgsl, 'ELEMENTWISE_WORKGROUP');

/** Workgroups for one invocation per value of `values`, as elementwise_index() expects. */
export function elementwiseGrid(values: number): [number, number, number] {
  return grid(values, ELEMENTWISE_WORKGROUP);
}
