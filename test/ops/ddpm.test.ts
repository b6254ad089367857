import { describe, expect, it } from 'vitest';
import {
  advanceStep,
  createStepState,
  ddpmUpdate,
  fillNormal,
  prepareSchedule,
  setStepState,
  timeFromStep,
} from '../../src/ops/ddpm.js';
import { declareKernel } from '../../src/kernel/kernel.js';
import philoxWgsl from '../../shaders/philox.wgsl';
import { Graph, Tensor, type Runtime } from '../../src/runtime/index.js';
import { useRuntime } from '../helpers/gpu.js';
import { randomArray, relErr } from '../helpers/numeric.js';
import { ddpmStepsRef, linearSchedule } from '../reference/ddpm.js';
import { philox4x32_10, philoxNormal } from '../reference/philox.js';

const philoxProbe = declareKernel({
  name: 'philox probe',
  parts: [
    philoxWgsl,
    {
      file: 'test/ops/ddpm.test.ts (philox probe)',
      code: `@group(0) @binding(0) var<storage, read> inputs: array<vec4u>;
@group(0) @binding(1) var<storage, read_write> outputs: array<vec4u>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  if (gid.x >= arrayLength(&outputs)) { return; }
  outputs[gid.x] = philox4x32_10(inputs[2u * gid.x], inputs[2u * gid.x + 1u].xy);
}`,
    },
  ],
  storage: { inputs: 'read', outputs: 'read_write' },
});

/** Runs the graph built by `build` once, then downloads `read`. */
async function runAndRead(rt: Runtime, build: (g: Graph) => void, read: Tensor, repeat = 1): Promise<Float32Array> {
  const g = new Graph(rt);
  build(g);
  g.run(repeat);
  const out = await rt.download(read);
  g.dispose();
  return out;
}

async function readState(rt: Runtime, state: GPUBuffer): Promise<number[]> {
  return Array.from(new Uint32Array((await rt.download(new Tensor(state, [4]))).buffer));
}

describe('philox4x32-10', () => {
  const rt = useRuntime();

  async function gpuPhilox(cases: { counter: number[]; key: number[] }[]): Promise<number[][]> {
    const words = new Uint32Array(cases.flatMap(({ counter, key }) => [...counter, ...key, 0, 0]));
    const inputs = rt().upload(new Float32Array(words.buffer), [words.length]);
    const outputs = rt().tensor([cases.length * 4]);
    const out = await runAndRead(
      rt(),
      (g) =>
        philoxProbe.dispatch(g, {
          work: { signature: 'philox probe', bytes: inputs.byteLength + outputs.byteLength },
          uniforms: {},
          storage: { inputs, outputs },
          workgroups: [Math.ceil(cases.length / 64), 1, 1],
        }),
      outputs,
    );
    const u = new Uint32Array(out.buffer);
    return cases.map((_, k) => Array.from(u.subarray(4 * k, 4 * k + 4)));
  }

  it('matches the Random123 known-answer vectors, on the GPU and in the reference', async () => {
    const kat = [
      { counter: [0, 0, 0, 0], key: [0, 0], expected: [0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8] },
      {
        counter: [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
        key: [0xffffffff, 0xffffffff],
        expected: [0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd],
      },
      {
        counter: [0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344],
        key: [0xa4093822, 0x299f31d0],
        expected: [0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1],
      },
    ];
    const gpu = await gpuPhilox(kat);
    kat.forEach(({ counter, key, expected }, k) => {
      expect(gpu[k]).toEqual(expected);
      expect(philox4x32_10(counter, key)).toEqual(expected);
    });
  });

  it('agrees with the reference on arbitrary counters and keys', async () => {
    const words = new Uint32Array(randomArray(6 * 200, 3).buffer);
    const cases = Array.from({ length: 200 }, (_, k) => ({
      counter: Array.from(words.subarray(6 * k, 6 * k + 4)),
      key: Array.from(words.subarray(6 * k + 4, 6 * k + 6)),
    }));
    const gpu = await gpuPhilox(cases);
    cases.forEach(({ counter, key }, k) => expect(gpu[k]).toEqual(philox4x32_10(counter, key)));
  });
});

describe('DDPM sampler kernels', () => {
  const rt = useRuntime();
  const timesteps = 1000;
  const coefficients = linearSchedule(timesteps);

  it('timeFromStep gives t = i / n_T and advanceStep counts i down, replayed on the GPU', async () => {
    const state = createStepState(rt());
    setStepState(rt(), state, 998, 7);
    const t = rt().tensor([5]);
    const out = await runAndRead(
      rt(),
      (g) => {
        timeFromStep(g, state, t, timesteps);
        advanceStep(g, state);
      },
      t,
      3,
    );
    expect(Array.from(out)).toEqual(new Array(5).fill(Math.fround(996 / 1000)));
    expect(await readState(rt(), state)).toEqual([995, 7, 0, 0]);
    setStepState(rt(), state, 1, 0);
    expect(Array.from(await runAndRead(rt(), (g) => timeFromStep(g, state, t, timesteps), t))).toEqual(new Array(5).fill(Math.fround(0.001)));
    state.destroy();
  });

  it('ddpmUpdate with buffer noise matches float64 over consecutive steps down to the noiseless i = 1', async () => {
    const schedule = prepareSchedule(rt(), coefficients);
    const shape = [3, 5, 7, 3];
    const n = 3 * 5 * 7 * 3;
    const x0 = randomArray(n, 1, 2);
    const eps = randomArray(n, 2);
    for (const [first, steps] of [[5, 5], [998, 3]]) {
      const noise = randomArray(steps * n, 3 + first);
      const state = createStepState(rt());
      setStepState(rt(), state, first, 0);
      const x = rt().upload(x0, shape);
      const epsT = rt().upload(eps, shape);
      const noiseT = rt().upload(noise, [steps, ...shape]);
      const out = await runAndRead(
        rt(),
        (g) => {
          ddpmUpdate(g, x, epsT, schedule, state, { kind: 'buffer', noise: noiseT, firstStep: first });
          advanceStep(g, state);
        },
        x,
        steps,
      );
      const ref = ddpmStepsRef(x0, eps, coefficients, first, first - steps + 1, (i) =>
        noise.subarray((first - i) * n, (first - i + 1) * n),
      );
      expect(relErr(out, ref)).toBeLessThan(1e-5);
      expect(await readState(rt(), state)).toEqual([first - steps, 0, 0, 0]);
      rt().release(x, epsT, noiseT);
      state.destroy();
    }
    rt().release(schedule.table);
  });

  it('ddpmUpdate marks steps outside the noise buffer or the schedule with NaN', async () => {
    const schedule = prepareSchedule(rt(), coefficients);
    const state = createStepState(rt());
    const x = rt().upload(randomArray(6, 4), [2, 3]);
    const eps = rt().upload(randomArray(6, 5), [2, 3]);
    const noise = rt().upload(randomArray(12, 6), [2, 2, 3]);
    for (const i of [9, 7, timesteps]) {
      setStepState(rt(), state, i, 0);
      const out = await runAndRead(rt(), (g) => ddpmUpdate(g, x, eps, schedule, state, { kind: 'buffer', noise, firstStep: 9 }), x);
      expect(out.every((v) => Number.isNaN(v)), `i = ${i}`).toBe(i !== 9);
      rt().write(x, randomArray(6, 4));
    }
    state.destroy();
    rt().release(schedule.table, x, eps, noise);
  });

  it('fillNormal gives standard normals: mean, variance, tails over 1e6 draws', async () => {
    const state = createStepState(rt());
    setStepState(rt(), state, 998, 0);
    const x = rt().tensor([4, 1, 125, 50, 40]);
    const z = await runAndRead(rt(), (g) => fillNormal(g, x, state, 12345), x);
    let [sum, sq, quart, beyond2] = [0, 0, 0, 0];
    for (const v of z) {
      sum += v;
      sq += v * v;
      quart += v ** 4;
      if (Math.abs(v) > 2) beyond2++;
    }
    const n = z.length;
    // Bounds at about 5 standard errors of each statistic.
    expect(Math.abs(sum / n)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(sq / n - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(quart / n - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    expect(Math.abs(beyond2 / n - 0.0455)).toBeLessThan(5 * Math.sqrt(0.0455 / n));
    rt().release(x);
    state.destroy();
  });

  it('noise depends only on (seed, sample, step, element): batch-independent, deterministic, per stream', async () => {
    const per = 2 * 3 * 5;
    const state = createStepState(rt());
    const draw = async (batch: number, offset: number, seed: number) => {
      setStepState(rt(), state, 998, offset);
      const x = rt().tensor([batch, 2, 3, 5]);
      const out = await runAndRead(rt(), (g) => fillNormal(g, x, state, seed), x);
      rt().release(x);
      return out;
    };
    const wide = await draw(3, 10, 77);
    const alone = await draw(1, 12, 77);
    expect(alone).toEqual(wide.subarray(2 * per));
    expect(await draw(3, 10, 77)).toEqual(wide);
    expect((await draw(1, 12, 78))[0]).not.toBe(alone[0]);
    // The seed's high word (seeds up to 2^53) changes the stream too.
    expect((await draw(1, 12, 77 + 2 ** 40))[0]).not.toBe(alone[0]);
    // Against the float64 reference of the same bits: only log and cos differ.
    const ref = Array.from({ length: per }, (_, e) => philoxNormal([e, 998, 12, 1], [77, 0]));
    expect(relErr(alone, ref)).toBeLessThan(1e-5);
    state.destroy();
  });

  it('ddpmUpdate philox noise is the same for a sample in any batch, and matches the reference', async () => {
    const schedule = prepareSchedule(rt(), coefficients);
    const per = 3 * 4;
    const x0 = randomArray(3 * per, 8);
    const eps = randomArray(3 * per, 9);
    const state = createStepState(rt());
    const step = async (first: number, count: number, offset: number) => {
      setStepState(rt(), state, 500, offset);
      const x = rt().upload(x0.subarray(first * per, (first + count) * per), [count, 3, 4]);
      const e = rt().upload(eps.subarray(first * per, (first + count) * per), [count, 3, 4]);
      const out = await runAndRead(rt(), (g) => ddpmUpdate(g, x, e, schedule, state, { kind: 'philox', seed: 5 }), x);
      rt().release(x, e);
      return out;
    };
    const batch = await step(0, 3, 40);
    expect(await step(1, 2, 41)).toEqual(batch.subarray(per));
    const ref = ddpmStepsRef(x0, eps, coefficients, 500, 500, () =>
      Array.from({ length: 3 * per }, (_, k) => philoxNormal([k % per, 500, 40 + Math.floor(k / per), 0], [5, 0])),
    );
    expect(relErr(batch, ref)).toBeLessThan(1e-5);
    state.destroy();
    rt().release(schedule.table);
  });

  it('rejects bad arguments', () => {
    const g = new Graph(rt());
    const state = createStepState(rt());
    const schedule = prepareSchedule(rt(), coefficients);
    const x = rt().tensor([2, 3]);
    expect(() => setStepState(rt(), state, -1, 0)).toThrow(/u32/);
    expect(() => ddpmUpdate(g, x, rt().tensor([3, 2]), schedule, state, { kind: 'philox', seed: 1 })).toThrow(/eps \[3,2\]/);
    expect(() => ddpmUpdate(g, x, rt().tensor([2, 3]), schedule, state, { kind: 'philox', seed: 2 ** 53 })).toThrow(/seed/);
    expect(() =>
      ddpmUpdate(g, x, rt().tensor([2, 3]), schedule, state, { kind: 'buffer', noise: rt().tensor([4, 3, 3]), firstStep: 3 }),
    ).toThrow(/noise \[4,3,3\]/);
    expect(() => fillNormal(g, x, state, 1.5)).toThrow(/seed/);
    expect(() =>
      prepareSchedule(rt(), { ...coefficients, sqrtBetaT: new Float32Array(3) }),
    ).toThrow(/prepareSchedule/);
    g.dispose();
    state.destroy();
  });
});
