/** One intermediate of a graph as the planner sees it. */
export interface TensorUse {
  bytes: number;
  /** The dispatches that bind it, in order, and whether each may write it. */
  accesses: { at: number; writes: boolean }[];
  /** Live over the whole graph, whatever binds it (a graph's declared inputs and outputs). */
  kept: boolean;
}

/**
 * A dispatch whose kernel may write its output over one of its inputs
 * (KernelSpec.inPlace), by the indices of the two tensors.
 */
export interface InPlaceCandidate {
  at: number;
  input: number;
  output: number;
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
  /** The dispatches that write their output over their input (the candidates taken), in order. */
  inPlace: number[];
  /** The first dispatch at which largestLiveBytes are live. */
  peakAt: number;
  /** The sizes of the values live there, largest first (tensors written in place count once). */
  liveAtPeak: number[];
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
 * The candidates whose output may take the input's buffer: the input is an
 * intermediate whose value dies at that dispatch (its last binding, not kept,
 * bound there once) and the output is one whose value starts there (first
 * bound by that dispatch, not kept), of the same size; a tensor is the input
 * (the output) of one candidate at most, the first. A chain of such
 * dispatches runs in one buffer.
 */
export function chooseInPlace(uses: readonly TensorUse[], candidates: readonly InPlaceCandidate[], count: number): InPlaceCandidate[] {
  const [inputs, outputs] = [new Set<number>(), new Set<number>()];
  return candidates.filter(({ at, input, output }) => {
    const [x, y] = [uses[input], uses[output]];
    if (input === output || inputs.has(input) || outputs.has(output) || x.kept || y.kept || x.bytes !== y.bytes) return false;
    const bindingsAt = (u: TensorUse) => u.accesses.filter((a) => a.at === at).length;
    const xLife = lifetime(x, count);
    if (xLife.end !== at || xLife.start >= at || bindingsAt(x) !== 1 || lifetime(y, count).start !== at || bindingsAt(y) !== 1) return false;
    inputs.add(input);
    outputs.add(output);
    return true;
  });
}

/**
 * Greedy by size over lifetimes (the shared-objects strategy of Pisarchyk and
 * Lee, "Efficient Memory Management for Deep Neural Net Inference", 2020, as
 * Ratchet's allocator uses it): values in decreasing size each take the
 * smallest existing buffer whose values' lifetimes do not overlap theirs, or
 * a new buffer. Buffers never grow: a buffer is as large as its first value.
 * A value is a tensor, or the tensors of a chain written in place (the
 * candidates chooseInPlace takes), which share one buffer.
 */
export function planMemory(uses: readonly TensorUse[], count: number, candidates: readonly InPlaceCandidate[] = []): MemoryPlan {
  const inPlace = chooseInPlace(uses, candidates, count);
  const valueOf = uses.map((_, i) => i);
  // In dispatch order, so that a chain's later links find its first tensor.
  for (const c of [...inPlace].sort((a, b) => a.at - b.at)) valueOf[c.output] = valueOf[c.input];
  const values = [...new Set(valueOf)];
  const lives = values.map((v) => union(uses.flatMap((u, i) => (valueOf[i] === v ? [lifetime(u, count)] : []))));
  const bytes = values.map((v) => uses[v].bytes);
  const order = values.map((_, i) => i).sort((a, b) => bytes[b] - bytes[a] || lives[a].start - lives[b].start);
  const buffers: number[] = [];
  const tenants: Lifetime[][] = [];
  const bufferOf = new Array<number>(values.length);
  for (const i of order) {
    const life = lives[i];
    let best = -1;
    for (let b = 0; b < buffers.length; b++) {
      const free = tenants[b].every((t) => t.end < life.start || life.end < t.start);
      if (free && (best < 0 || buffers[b] < buffers[best])) best = b;
    }
    if (best < 0) {
      best = buffers.length;
      buffers.push(bytes[i]);
      tenants.push([]);
    }
    tenants[best].push(life);
    bufferOf[i] = best;
  }
  const peak = largestLive(bytes, lives, count);
  return {
    buffers,
    placement: valueOf.map((v) => bufferOf[values.indexOf(v)]),
    plannedBytes: sum(buffers),
    largestLiveBytes: peak.bytes,
    unplannedBytes: sum(uses.map((u) => u.bytes)),
    largestTensorBytes: Math.max(0, ...uses.map((u) => u.bytes)),
    inPlace: inPlace.map((c) => c.at),
    peakAt: peak.at,
    liveAtPeak: bytes.filter((_, i) => lives[i].start <= peak.at && peak.at <= lives[i].end).sort((a, b) => b - a),
  };
}

/** One lifetime covering all of `lives` (a chain in place: each ends where the next starts). */
function union(lives: readonly Lifetime[]): Lifetime {
  return { start: Math.min(...lives.map((l) => l.start)), end: Math.max(...lives.map((l) => l.end)) };
}

/** The peak of live bytes over the dispatches and where it is first reached (a sweep over lifetime starts and ends). */
function largestLive(bytes: readonly number[], lives: readonly Lifetime[], count: number): { bytes: number; at: number } {
  const delta = new Float64Array(count + 2);
  lives.forEach((l, i) => {
    delta[l.start] += bytes[i];
    delta[l.end + 1] -= bytes[i];
  });
  let live = 0;
  let peak = { bytes: 0, at: 0 };
  delta.forEach((d, at) => {
    live += d;
    if (live > peak.bytes) peak = { bytes: live, at };
  });
  return peak;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
