import { describe, expect, it } from 'vitest';
import { Act } from '../../src/ops/activation.js';
import { instanceNorm } from '../../src/ops/norm.js';
import { unary } from '../../src/ops/unary.js';
import { Graph, RecordedGraph, type Tensor } from '../../src/runtime/index.js';
import { useRuntime } from '../helpers/gpu.js';
import { randomArray, relErr } from '../helpers/numeric.js';
import { activations } from '../reference/activation.js';
import { groupNormRef } from '../reference/norm.js';

const rt = useRuntime();

/** n alternating ReLU / negation layers, as many dispatches each writing a new tensor. */
function chain(g: Graph, x: Tensor, n: number): Tensor {
  let h = x;
  for (let i = 0; i < n; i++) h = unary(g, h, i % 2 ? Act.relu : Act.gelu);
  return h;
}

function chainReference(x: Float32Array, n: number): Float32Array {
  const gelu = (v: number) => 0.5 * v * (1 + erf(v / Math.SQRT2));
  return x.map((v) => {
    let h = v;
    for (let i = 0; i < n; i++) h = i % 2 ? Math.max(h, 0) : gelu(h);
    return h;
  });
}

/** erf by its Taylor series, float64-accurate for |v| < 4. */
function erf(v: number): number {
  let sum = 0;
  let term = v;
  for (let k = 0; k < 60; k++) {
    sum += term / (2 * k + 1);
    term *= (-v * v) / (k + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

describe('Graph', () => {
  it('places a chain of layers in two shared buffers and computes it right, again on replay', async () => {
    const n = 7;
    const x = randomArray(1001, 5, 3);
    const g = RecordedGraph.record(rt(), { x: [1001] }, (graph, { x: input }) => ({ y: chain(graph, input, n) }));
    const plan = g.memoryPlan;
    // The input and the output are live throughout; the 6 tensors between alternate in 2 buffers.
    expect(plan.buffers.length).toBe(4);
    expect(plan.unplannedBytes).toBe((n + 1) * 1001 * 4);
    expect(plan.plannedBytes).toBe(plan.largestLiveBytes);
    const ref = chainReference(x, n);
    for (let run = 0; run < 2; run++) {
      const { y } = await g.evaluate({ x });
      y.forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
    }
    g.dispose();
  });

  it('keeps an input that the host wrote live across replays', async () => {
    const g = new Graph(rt());
    const x = g.tensor([300]);
    const y = unary(g, chain(g, x, 4), Act.relu);
    g.place();
    const data = randomArray(300, 6);
    rt().write(x, data);
    g.run(3);
    expect(Array.from(await rt().download(x))).toEqual(Array.from(data));
    const ref = chainReference(data, 4).map((v) => Math.max(v, 0));
    (await rt().download(y)).forEach((v, i) => expect(v).toBeCloseTo(ref[i], 5));
    g.dispose();
  });

  it('says what is wrong when a tensor is used before placing, or the graph after it ran or was disposed', () => {
    const g = new Graph(rt());
    const x = g.tensor([8]);
    expect(() => rt().write(x, new Float32Array(8))).toThrow(/no buffer before its graph is placed/);
    unary(g, x, Act.relu);
    g.run();
    expect(() => g.tensor([8])).toThrow(/already placed/);
    expect(() => unary(g, x, Act.relu)).toThrow(/already placed/);
    g.dispose();
    expect(() => g.run()).toThrow(/after dispose/);
  });

  it("frees its intermediates and its dispatches' uniforms on dispose", async () => {
    const before = rt().memoryStats();
    const out = await RecordedGraph.evaluateOnce(rt(), { x: { shape: [2, 50], data: randomArray(100, 7) } }, (g, { x }) => ({ y: chain(g, x, 5) }));
    expect(out.y.length).toBe(100);
    const after = rt().memoryStats();
    expect(after.liveBytes).toBe(before.liveBytes);
    expect(after.liveBuffers).toBe(before.liveBuffers);
  });

  it('lists what each dispatch computes without placing anything', () => {
    const before = rt().memoryStats().liveBuffers;
    const g = new Graph(rt());
    chain(g, g.tensor([16]), 2);
    expect(g.work.map((w) => w.signature)).toEqual(['unary gelu [16]', 'unary relu [16]']);
    expect(g.memoryPlan().plannedBytes).toBe(3 * 64);
    expect(rt().memoryStats().liveBuffers).toBe(before);
    g.dispose();
  });

  it('writes a norm over its input where the input dies there, never over a graph input or output', async () => {
    const shape = [2, 3, 5, 3, 1];
    const x = randomArray(90, 8, 2);
    const before = rt().memoryStats();
    const g = RecordedGraph.record(rt(), { x: shape }, (graph, { x: input }) => {
      let h = input;
      for (let i = 0; i < 4; i++) h = instanceNorm(graph, h, { act: i % 2 ? Act.relu : Act.gelu });
      return { y: h };
    });
    // The first reads the graph's input and the last writes its output: the two between run in place, in one buffer.
    expect(g.memoryPlan.inPlace).toEqual([1, 2]);
    expect(g.memoryPlan.buffers.length).toBe(3);
    let ref: ArrayLike<number> = x;
    for (let i = 0; i < 4; i++) ref = groupNormRef(ref, 2, 3, 3, 1e-5, undefined, i % 2 ? activations.relu : activations.gelu);
    for (let run = 0; run < 2; run++) expect(relErr((await g.evaluate({ x })).y, ref)).toBeLessThan(1e-5);
    g.dispose();
    expect(rt().memoryStats().liveBytes).toBe(before.liveBytes);
  });

  it('runs a norm out of place where its input is read after it', async () => {
    const shape = [1, 2, 7];
    const x = randomArray(14, 9, 2);
    const g = RecordedGraph.record(rt(), { x: shape }, (graph, { x: input }) => {
      const h = unary(graph, input, Act.none);
      const y = unary(graph, instanceNorm(graph, h), Act.none);
      return { y, z: unary(graph, h, Act.relu) };
    });
    expect(g.memoryPlan.inPlace).toEqual([]);
    const out = await g.evaluate({ x });
    expect(relErr(out.y, groupNormRef(x, 1, 2, 2, 1e-5))).toBeLessThan(1e-5);
    expect(Array.from(out.z)).toEqual(Array.from(x.map((v) => Math.max(v, 0))));
    g.dispose();
  });
});
