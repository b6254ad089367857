import type { Dispatch, Runtime } from './runtime.js';

const USAGE = { MAP_READ: 0x1, COPY_SRC: 0x4, COPY_DST: 0x8, QUERY_RESOLVE: 0x200 } as const;
/** WebGPU caps a query set at 4096 queries; two per dispatch. */
const DISPATCHES_PER_QUERY_SET = 2048;

export type ProfileMethod = 'timestamp-query' | 'cpu-submit';

export interface DispatchTimes {
  /**
   * 'timestamp-query': GPU timestamps at the start and end of a compute pass
   * holding only that dispatch. 'cpu-submit': wall time of submitting the
   * dispatch alone and waiting for the queue, so it includes submit and
   * wake-up overhead.
   */
  method: ProfileMethod;
  /** Milliseconds per dispatch, in the order given. */
  durationsMs: number[];
}

/**
 * Times each dispatch on its own. Every dispatch gets its own compute pass,
 * which is how timestampWrites measure a single dispatch; passes run in order,
 * so the data each one reads is what the graph would have produced.
 */
export async function profileDispatches(rt: Runtime, dispatches: readonly Dispatch[]): Promise<DispatchTimes> {
  if (!rt.device.features.has('timestamp-query')) return { method: 'cpu-submit', durationsMs: await timeBySubmit(rt, dispatches) };
  const durationsMs: number[] = [];
  for (let start = 0; start < dispatches.length; start += DISPATCHES_PER_QUERY_SET) {
    durationsMs.push(...(await timeByTimestamps(rt, dispatches.slice(start, start + DISPATCHES_PER_QUERY_SET))));
  }
  return { method: 'timestamp-query', durationsMs };
}

async function timeByTimestamps(rt: Runtime, dispatches: readonly Dispatch[]): Promise<number[]> {
  const device = rt.device;
  const count = 2 * dispatches.length;
  const querySet = device.createQuerySet({ type: 'timestamp', count });
  const resolved = device.createBuffer({ size: count * 8, usage: USAGE.QUERY_RESOLVE | USAGE.COPY_SRC });
  const readback = device.createBuffer({ size: count * 8, usage: USAGE.MAP_READ | USAGE.COPY_DST });
  try {
    const enc = device.createCommandEncoder();
    dispatches.forEach((d, i) => {
      const pass = enc.beginComputePass({
        timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
      });
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(...d.workgroups);
      pass.end();
    });
    enc.resolveQuerySet(querySet, 0, count, resolved, 0);
    enc.copyBufferToBuffer(resolved, 0, readback, 0, count * 8);
    device.queue.submit([enc.finish()]);
    // sync() waits the way the runtime's host prefers (Node: without a busy poll); the map is then immediate.
    await rt.sync();
    await readback.mapAsync(USAGE.MAP_READ);
    const ns = new BigUint64Array(readback.getMappedRange().slice(0));
    readback.unmap();
    return dispatches.map((_, i) => Number(ns[2 * i + 1] - ns[2 * i]) / 1e6);
  } finally {
    querySet.destroy();
    resolved.destroy();
    readback.destroy();
  }
}

async function timeBySubmit(rt: Runtime, dispatches: readonly Dispatch[]): Promise<number[]> {
  const durations: number[] = [];
  for (const d of dispatches) {
    const t0 = performance.now();
    rt.run([d]);
    await rt.sync();
    durations.push(performance.now() - t0);
  }
  return durations;
}
