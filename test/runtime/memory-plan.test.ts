import { describe, expect, it } from 'vitest';
import { lifetime, planMemory, type TensorUse } from '../../src/runtime/memory-plan.js';
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
