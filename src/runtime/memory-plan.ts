/** One intermediate of a graph as the planner sees it. */
export interface TensorUse {
  bytes: number;
  /** The dispatches that bind it, in order, and whether each may write it. */
  accesses: { at: number; writes: boolean }[];
  /** Live over the whole graph, whatever binds it (a graph's declared inputs and outputs). */
  kept: boolean;
}

/** Where a graph's intermediates live and what that costs. */
export interface MemoryPlan {
  /** The size of each shared buffer, in bytes (whole 4-byte words). */
  buffers: number[];
  /** For each tensor, the index of its buffer. */
  placement: number[];
  /** Bytes of all the buffers: what the graph holds while it exists. */
  plannedBytes: number;
  /** The most tensor bytes live at any one dispatch: no placement can hold less. */
  largestLiveBytes: number;
  /** Bytes with one buffer per tensor, as without planning. */
  unplannedBytes: number;
  /** The largest single tensor (it must fit the adapter's binding limit). */
  largestTensorBytes: number;
}

/** A closed interval of dispatch indices, `count` standing for "after the last dispatch". */
interface Lifetime {
  start: number;
  end: number;
}

/** When a tensor holds a value; see Graph for the rules. */
export function lifetime(use: TensorUse, count: number): Lifetime {
  const { accesses } = use;
  if (use.kept || accesses.length === 0) return { start: 0, end: count };
  const first = accesses[0].at;
  const last = accesses[accesses.length - 1].at;
  const writtenAt = (at: number) => accesses.some((a) => a.at === at && a.writes);
  if (!writtenAt(first)) return { start: 0, end: count };
  return { start: first, end: writtenAt(last) ? count : last };
}

/**
 * Greedy by size over lifetimes (the shared-objects strategy of Pisarchyk and
 * Lee, "Efficient Memory Management for Deep Neural Net Inference", 2020, as
 * Ratchet's allocator uses it): tensors in decreasing size each take the
 * smallest existing buffer whose tensors' lifetimes do not overlap theirs, or
 * a new buffer. Buffers never grow: a buffer is as large as its first tensor.
 */
export function planMemory(uses: readonly TensorUse[], count: number): MemoryPlan {
  const lives = uses.map((u) => lifetime(u, count));
  const order = uses.map((_, i) => i).sort((a, b) => uses[b].bytes - uses[a].bytes || lives[a].start - lives[b].start);
  const buffers: number[] = [];
  const tenants: Lifetime[][] = [];
  const placement = new Array<number>(uses.length);
  for (const i of order) {
    const life = lives[i];
    let best = -1;
    for (let b = 0; b < buffers.length; b++) {
      const free = tenants[b].every((t) => t.end < life.start || life.end < t.start);
      if (free && (best < 0 || buffers[b] < buffers[best])) best = b;
    }
    if (best < 0) {
      best = buffers.length;
      buffers.push(uses[i].bytes);
      tenants.push([]);
    }
    tenants[best].push(life);
    placement[i] = best;
  }
  return {
    buffers,
    placement,
    plannedBytes: sum(buffers),
    largestLiveBytes: largestLive(uses, lives, count),
    unplannedBytes: sum(uses.map((u) => u.bytes)),
    largestTensorBytes: Math.max(0, ...uses.map((u) => u.bytes)),
  };
}

/** The peak of live bytes over the dispatches (a sweep over lifetime starts and ends). */
function largestLive(uses: readonly TensorUse[], lives: readonly Lifetime[], count: number): number {
  const delta = new Float64Array(count + 2);
  lives.forEach((l, i) => {
    delta[l.start] += uses[i].bytes;
    delta[l.end + 1] -= uses[i].bytes;
  });
  let live = 0;
  let peak = 0;
  for (const d of delta) {
    live += d;
    peak = Math.max(peak, live);
  }
  return peak;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
