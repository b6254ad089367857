import { describe, expect, it } from 'vitest';
import { chooseInPlace, lifetime, planMemory, type TensorUse } from '../../src/runtime/memory-plan.js';
import { rng } from '../helpers/numeric.js';

const use = (bytes: number, accesses: [number, boolean][], kept = false): TensorUse => ({
  bytes,
  accesses: accesses.map(([at, writes]) => ({ at, writes })),
  kept,
});

describe('lifetimes', () => {
  it('run from the first write to the last read', () => {
    expect(lifetime(use(4, [[2, true], [3, false], [5, false]]), 9)).toEqual({ start: 2, end: 5 });
  });

  it('span the whole graph for inputs (first bound read-only), kept tensors and unbound ones', () => {
    expect(lifetime(use(4, [[3, false], [4, true]]), 9)).toEqual({ start: 0, end: 9 });
    expect(lifetime(use(4, [[3, true], [4, false]], true), 9)).toEqual({ start: 0, end: 9 });
    expect(lifetime(use(4, []), 9)).toEqual({ start: 0, end: 9 });
  });

  it('last to the end for outputs (last bound writable)', () => {
    expect(lifetime(use(4, [[1, true], [2, false], [6, true]]), 9)).toEqual({ start: 1, end: 9 });
  });
});

describe('planMemory', () => {
  it('runs a chain of layers in two ping-pong buffers', () => {
    // t_i is written by dispatch i and read by dispatch i + 1; the last is an output.
    const n = 8;
    const uses = Array.from({ length: n }, (_, i) => use(1000 - i * 10, i < n - 1 ? [[i, true], [i + 1, false]] : [[i, true]]));
    const plan = planMemory(uses, n);
    expect(plan.buffers.length).toBe(2);
    expect(plan.plannedBytes).toBe(1000 + 990);
    expect(plan.largestLiveBytes).toBe(1000 + 990);
    expect(plan.unplannedBytes).toBe(uses.reduce((a, u) => a + u.bytes, 0));
    expect(plan.largestTensorBytes).toBe(1000);
  });

  it('never lets two tensors live at once share a buffer (random graphs)', () => {
    const r = rng(11);
    for (let trial = 0; trial < 200; trial++) {
      const count = 1 + Math.floor(r() * 30);
      const uses = Array.from({ length: 1 + Math.floor(r() * 40) }, () => {
        const first = Math.floor(r() * count);
        const reads = Array.from({ length: Math.floor(r() * 4) }, () => first + Math.floor(r() * (count - first)));
        const accesses: [number, boolean][] = [[first, r() < 0.9], ...[...new Set(reads)].sort((a, b) => a - b).filter((at) => at > first).map((at): [number, boolean] => [at, r() < 0.2])];
        return use(4 * (1 + Math.floor(r() * 1000)), accesses, r() < 0.05);
      });
      const plan = planMemory(uses, count);
      const lives = uses.map((u) => lifetime(u, count));
      uses.forEach((u, i) => expect(plan.buffers[plan.placement[i]]).toBeGreaterThanOrEqual(u.bytes));
      for (let i = 0; i < uses.length; i++) {
        for (let j = i + 1; j < uses.length; j++) {
          if (plan.placement[i] !== plan.placement[j]) continue;
          const [a, b] = [lives[i], lives[j]];
          expect(a.end < b.start || b.end < a.start).toBe(true);
        }
      }
      expect(plan.plannedBytes).toBeGreaterThanOrEqual(plan.largestLiveBytes);
      expect(plan.plannedBytes).toBeLessThanOrEqual(plan.unplannedBytes);
    }
  });

  it('plans an empty graph as nothing', () => {
    expect(planMemory([], 0)).toMatchObject({ buffers: [], plannedBytes: 0, largestLiveBytes: 0, largestTensorBytes: 0 });
  });
});

describe('in place', () => {
  // Dispatch i writes t_i from t_(i-1); t_n is the output.
  const layers = (n: number, bytes = 64) => Array.from({ length: n + 1 }, (_, i) => use(bytes, i === 0 ? [[0, true], [1, false]] : i < n ? [[i, true], [i + 1, false]] : [[i, true]]));
  const at = (a: number) => ({ at: a, input: a - 1, output: a });

  it('takes the input buffer when the input dies at the dispatch', () => {
    const uses = [use(64, [[0, true], [1, false]]), use(64, [[1, true], [2, false]]), use(64, [[2, true], [3, false]]), use(64, [[3, true]])];
    const plan = planMemory(uses, 4, [{ at: 1, input: 0, output: 1 }]);
    expect(plan.inPlace).toEqual([1]);
    expect(plan.placement[0]).toBe(plan.placement[1]);
    // t0 and t1 are one value over dispatches 0..2: with t2 beside it, two values live at once.
    expect(plan.largestLiveBytes).toBe(2 * 64);
    expect(plan.unplannedBytes).toBe(4 * 64);
  });

  it('never when the input is read later, kept, bound twice there, or an input of the graph', () => {
    const readLater = [use(64, [[0, true], [1, false], [2, false]]), use(64, [[1, true], [2, false]]), use(64, [[2, true]])];
    expect(chooseInPlace(readLater, [{ at: 1, input: 0, output: 1 }], 3)).toEqual([]);
    const kept = [use(64, [[0, true], [1, false]], true), use(64, [[1, true], [2, false]]), use(64, [[2, true]])];
    expect(chooseInPlace(kept, [{ at: 1, input: 0, output: 1 }], 3)).toEqual([]);
    const twice = [use(64, [[0, true], [1, false], [1, false]]), use(64, [[1, true], [2, false]]), use(64, [[2, true]])];
    expect(chooseInPlace(twice, [{ at: 1, input: 0, output: 1 }], 3)).toEqual([]);
    // First bound read-only: the host writes it, so it lives over the whole graph (and across replays).
    const graphInput = [use(64, [[1, false]]), use(64, [[1, true], [2, false]]), use(64, [[2, true]])];
    expect(chooseInPlace(graphInput, [{ at: 1, input: 0, output: 1 }], 3)).toEqual([]);
  });

  it("never over a graph output, an output bound before, or one of another size", () => {
    const keptOutput = [use(64, [[0, true], [1, false]]), use(64, [[1, true]], true)];
    expect(chooseInPlace(keptOutput, [{ at: 1, input: 0, output: 1 }], 2)).toEqual([]);
    const writtenBefore = [use(64, [[1, true], [2, false]]), use(64, [[0, true], [2, true], [3, false]]), use(64, [[3, true]])];
    expect(chooseInPlace(writtenBefore, [{ at: 2, input: 0, output: 1 }], 4)).toEqual([]);
    const smaller = [use(64, [[0, true], [1, false]]), use(32, [[1, true], [2, false]]), use(32, [[2, true]])];
    expect(chooseInPlace(smaller, [{ at: 1, input: 0, output: 1 }], 3)).toEqual([]);
  });

  it('runs a chain of in-place dispatches in one buffer', () => {
    const n = 6;
    const uses = layers(n);
    const candidates = [1, 2, 3, 4].map(at);
    const plan = planMemory(uses, n + 1, candidates);
    expect(plan.inPlace).toEqual([1, 2, 3, 4]);
    expect(new Set(plan.placement.slice(0, 5)).size).toBe(1);
    // t0..t4 share a buffer, and the output t6 takes it after; t5 lies beside. A plain
    // chain ping-pongs in two buffers already: in place saves only where a third value overlaps.
    expect(plan.plannedBytes).toBe(2 * 64);
    expect(planMemory(uses, n + 1).plannedBytes).toBe(2 * 64);
    expect(plan.largestLiveBytes).toBe(2 * 64);
  });

  it('lowers the plan where the input and output would otherwise overlap a third value', () => {
    // a (big) is read at 1 by a norm writing b (big), with a residual r (small) live across both.
    const uses = [use(100, [[0, true], [1, false]]), use(100, [[1, true], [2, false]]), use(8, [[0, true], [2, false]]), use(8, [[2, true]])];
    const apart = planMemory(uses, 3);
    expect(apart).toMatchObject({ largestLiveBytes: 208, peakAt: 1, liveAtPeak: [100, 100, 8] });
    const plan = planMemory(uses, 3, [{ at: 1, input: 0, output: 1 }]);
    expect(plan).toMatchObject({ largestLiveBytes: 116, plannedBytes: 116, peakAt: 2, liveAtPeak: [100, 8, 8] });
  });

  it('keeps values live at once apart (random graphs with random candidates)', () => {
    const r = rng(12);
    let takenTotal = 0;
    for (let trial = 0; trial < 200; trial++) {
      const count = 2 + Math.floor(r() * 20);
      const uses = Array.from({ length: 2 + Math.floor(r() * 30) }, () => {
        const first = Math.floor(r() * count);
        const reads = [...new Set(Array.from({ length: Math.floor(r() * 3) }, () => first + 1 + Math.floor(r() * (count - first))))].filter((a) => a < count);
        return use(4 * (1 + Math.floor(r() * 4)), [[first, true], ...reads.sort((a, b) => a - b).map((a): [number, boolean] => [a, false])], r() < 0.05);
      });
      // Mostly plausible candidates (at the input's last binding, to a tensor first bound there), some at random.
      const candidates = uses.map((u, input) => {
        const last = u.accesses[u.accesses.length - 1].at;
        const starting = uses.flatMap((o, i) => (o.accesses[0].at === last && i !== input ? [i] : []));
        if (r() < 0.2 || starting.length === 0) return { at: Math.floor(r() * count), input, output: Math.floor(r() * uses.length) };
        return { at: last, input, output: starting[Math.floor(r() * starting.length)] };
      });
      const plan = planMemory(uses, count, candidates);
      const taken = chooseInPlace(uses, candidates, count);
      takenTotal += taken.length;
      // A value: the tensors joined by the candidates taken; it lives from its first start to its last end.
      const value = uses.map((_, i) => i);
      const root = (i: number): number => (value[i] === i ? i : root(value[i]));
      for (const c of taken) value[root(c.output)] = root(c.input);
      const lives = uses.map((u) => lifetime(u, count));
      const valueLife = (v: number) => {
        const members = lives.filter((_, i) => root(i) === v);
        return { start: Math.min(...members.map((l) => l.start)), end: Math.max(...members.map((l) => l.end)) };
      };
      for (const c of taken) {
        expect(lives[c.input].end).toBe(c.at);
        expect(lives[c.output].start).toBe(c.at);
      }
      for (let i = 0; i < uses.length; i++) {
        expect(plan.buffers[plan.placement[i]]).toBeGreaterThanOrEqual(uses[i].bytes);
        for (let j = i + 1; j < uses.length; j++) {
          if (plan.placement[i] !== plan.placement[j] || root(i) === root(j)) continue;
          const [a, b] = [valueLife(root(i)), valueLife(root(j))];
          expect(a.end < b.start || b.end < a.start, JSON.stringify({ trial, i, j, a, b })).toBe(true);
        }
      }
      expect(plan.plannedBytes).toBeGreaterThanOrEqual(plan.largestLiveBytes);
    }
    expect(takenTotal).toBeGreaterThan(100);
  });
});
