import { profileDispatches, type ProfileMethod } from '../runtime/profiler.js';
import { executedFlops, type Dispatch, type Graph, type Runtime } from '../runtime/index.js';
import { formatNumber, formatTable } from './table.js';

export interface KernelGroup {
  name: string;
  calls: number;
  ms: number;
  /** Undefined when any kernel of the group declares no FLOP. */
  flops: number | undefined;
  /** What the kernels really multiply (KernelWork.executedFlops, else flops). */
  executedFlops: number;
  /** The traffic the kernels cannot avoid (KernelWork.bytes). */
  bytes: number;
}

export interface GraphProfile {
  method: ProfileMethod;
  dispatches: number;
  /** Sum of the per-dispatch times. */
  kernelMs: number;
  /** The whole graph submitted as usual (one pass), submit to done: what the per-dispatch split is compared with. */
  graphMs: number;
  byOp: KernelGroup[];
  bySignature: KernelGroup[];
}

/** Runs the graph once as a warm-up and once timed whole, then times every dispatch on its own. */
export async function profileGraph(rt: Runtime, g: Graph): Promise<GraphProfile> {
  g.run();
  await rt.sync();
  const t0 = performance.now();
  g.run();
  await rt.sync();
  const graphMs = performance.now() - t0;
  const { method, durationsMs } = await profileDispatches(rt, g.dispatches);
  return {
    method,
    dispatches: g.dispatches.length,
    kernelMs: durationsMs.reduce((a, b) => a + b, 0),
    graphMs,
    byOp: group(g.dispatches, durationsMs, (d) => d.label),
    bySignature: group(g.dispatches, durationsMs, (d) => d.work.signature),
  };
}

function group(dispatches: readonly Dispatch[], durationsMs: readonly number[], key: (d: Dispatch) => string): KernelGroup[] {
  const groups = new Map<string, KernelGroup>();
  dispatches.forEach((d, i) => {
    const name = key(d);
    const g = groups.get(name) ?? { name, calls: 0, ms: 0, flops: 0, executedFlops: 0, bytes: 0 };
    g.calls++;
    g.ms += durationsMs[i];
    g.bytes += d.work.bytes;
    const flops = d.work.flops;
    g.flops = g.flops === undefined || flops === undefined ? undefined : g.flops + flops;
    g.executedFlops += executedFlops(d.work);
    groups.set(name, g);
  });
  return [...groups.values()].sort((a, b) => b.ms - a.ms);
}

export function formatGroups(title: string, groups: readonly KernelGroup[], totalMs: number): string[] {
  const rows = groups.map((g) => [
    g.name,
    String(g.calls),
    formatNumber(g.ms),
    ((100 * g.ms) / totalMs).toFixed(1),
    g.flops === undefined ? '-' : formatNumber(g.flops / 1e9),
    g.flops === undefined || g.ms <= 0 ? '-' : formatNumber(g.flops / g.ms / 1e6),
    formatNumber(g.bytes / 1e6),
    g.ms <= 0 ? '-' : formatNumber(g.bytes / g.ms / 1e6),
  ]);
  return formatTable([title, 'calls', 'ms', '%', 'GFLOP', 'GFLOP/s', 'MB', 'GB/s'], rows);
}

export function describeMethod(p: GraphProfile): string {
  return p.method === 'timestamp-query'
    ? `GPU timestamps (timestamp-query) around each of the ${p.dispatches} dispatches, each in its own compute pass`
    : `no timestamp-query on this adapter: CPU wall time of submitting each of the ${p.dispatches} dispatches alone and waiting for it, submit overhead included`;
}
