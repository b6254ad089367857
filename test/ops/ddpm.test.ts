import { describe, expect, it } from 'vitest';
import { samplerTable, type SamplerSettings } from '../../src/models/sampler-schedule.js';
import {
  advanceStep,
  createStepState,
  createStepTable,
  ddpmUpdate,
  dpmSolverUpdate,
  fillNormal,
  SAMPLER_STEP_WORDS,
  setStepState,
  timeFromStep,
  writeStepTable,
} from '../../src/ops/ddpm.js';
import { declareKernel } from '../../src/kernel/kernel.js';
import philoxWgsl from '../../shaders/philox.wgsl';
import { Graph, Tensor, type Runtime } from '../../src/runtime/index.js';
import { useRuntime } from '../helpers/gpu.js';
import { randomArray, relErr } from '../helpers/numeric.js';
import { ddpmStepsRef, trainedSchedule } from '../reference/ddpm.js';
import { ddimStepRef, dpmSolver2mRef, timestepsRef } from '../reference/sampler.js';
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

describe('sampler kernels', () => {
  const rt = useRuntime();
  const timesteps = 1000;
  const trained = trainedSchedule(timesteps);
  const ddpm: SamplerSettings = { sampler: 'ddpm', steps: timesteps - 2 };

  /** A table buffer holding the run's rows, with `spare` NaN rows after them. */
  function tableFor(settings: SamplerSettings, spare = 0): GPUBuffer {
    const rows = samplerTable(trained, settings);
    const table = createStepTable(rt(), rows.length / SAMPLER_STEP_WORDS + spare);
    writeStepTable(rt(), table, rows);
    return table;
  }

  const state = (step: number, sampleOffset: number, seed = 0) => {
    const s = createStepState(rt());
    setStepState(rt(), s, { step, sampleOffset, seed });
    return s;
  };

  it('timeFromStep gives t = i / n_T at the step, advanceStep counts steps up, replayed on the GPU', async () => {
    const table = tableFor(ddpm);
    const st = state(0, 7, 2 ** 40 + 9);
    const t = rt().tensor([5]);
    const out = await runAndRead(
      rt(),
      (g) => {
        timeFromStep(g, st, table, t, timesteps);
        advanceStep(g, st);
      },
      t,
      3,
    );
    expect(Array.from(out)).toEqual(new Array(5).fill(Math.fround(996 / 1000)));
    expect(await readState(rt(), st)).toEqual([3, 7, 9, 2 ** 8]);
    setStepState(rt(), st, { step: 997, sampleOffset: 0, seed: 0 });
    expect(Array.from(await runAndRead(rt(), (g) => timeFromStep(g, st, table, t, timesteps), t))).toEqual(new Array(5).fill(Math.fround(0.001)));
    st.destroy();
    table.destroy();
  });

  it('ddpmUpdate with buffer noise matches float64 over consecutive steps down to the noiseless i = 1', async () => {
    const table = tableFor(ddpm);
    const shape = [3, 5, 7, 3];
    const n = 3 * 5 * 7 * 3;
    const x0 = randomArray(n, 1, 2);
    const eps = randomArray(n, 2);
    for (const [first, steps] of [[5, 5], [998, 3]]) {
      const noise = randomArray(steps * n, 3 + first);
      const k0 = timesteps - 2 - first;
      const st = state(k0, 0);
      const x = rt().upload(x0, shape);
      const epsT = rt().upload(eps, shape);
      // Slice k of the buffer is the noise of step k: pad the steps before k0.
      const noiseT = rt().upload(new Float32Array([...new Float32Array(k0 * n), ...noise]), [k0 + steps, ...shape]);
      const out = await runAndRead(
        rt(),
        (g) => {
          ddpmUpdate(g, x, epsT, table, st, { kind: 'buffer', noise: noiseT });
          advanceStep(g, st);
        },
        x,
        steps,
      );
      const ref = ddpmStepsRef(x0, eps, trained, first, first - steps + 1, (i) => noise.subarray((first - i) * n, (first - i + 1) * n));
      expect(relErr(out, ref)).toBeLessThan(1e-5);
      expect((await readState(rt(), st))[0]).toBe(k0 + steps);
      rt().release(x, epsT, noiseT);
      st.destroy();
    }
    table.destroy();
  });

  it('ddpmUpdate marks steps outside the noise buffer or the table with NaN', async () => {
    const table = tableFor(ddpm, 3);
    const st = createStepState(rt());
    const x = rt().upload(randomArray(6, 4), [2, 3]);
    const eps = rt().upload(randomArray(6, 5), [2, 3]);
    const noise = rt().upload(randomArray(12, 6), [2, 2, 3]);
    // Step 1 has noise, 2 not; 997 (i = 1) needs none; 998 is a NaN row; 1001 is past the table.
    for (const [step, finite] of [[1, true], [2, false], [997, true], [998, false], [1001, false]] as const) {
      setStepState(rt(), st, { step, sampleOffset: 0, seed: 0 });
      const out = await runAndRead(rt(), (g) => ddpmUpdate(g, x, eps, table, st, { kind: 'buffer', noise }), x);
      expect(out.every((v) => (finite ? Number.isFinite(v) : Number.isNaN(v))), `step ${step}`).toBe(true);
      rt().write(x, randomArray(6, 4));
    }
    st.destroy();
    table.destroy();
    rt().release(x, eps, noise);
  });

  it('fillNormal gives standard normals: mean, variance, tails over 1e6 draws', async () => {
    const st = state(0, 0, 12345);
    const x = rt().tensor([4, 1, 125, 50, 40]);
    const z = await runAndRead(rt(), (g) => fillNormal(g, x, st, 998), x);
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
    st.destroy();
  });

  it('noise depends only on (seed, sample, step, element): batch-independent, deterministic, per stream', async () => {
    const per = 2 * 3 * 5;
    const st = createStepState(rt());
    const draw = async (batch: number, offset: number, seed: number) => {
      setStepState(rt(), st, { step: 0, sampleOffset: offset, seed });
      const x = rt().tensor([batch, 2, 3, 5]);
      const out = await runAndRead(rt(), (g) => fillNormal(g, x, st, 998), x);
      rt().release(x);
      return out;
    };
    const wide = await draw(3, 10, 77);
    const alone = await draw(1, 12, 77);
    expect(alone).toEqual(wide.subarray(2 * per));
    expect(await draw(3, 10, 77)).toEqual(wide);
    expect((await draw(1, 12, 78))[0]).not.toBe(alone[0]);
    // The seed's high word (seeds up to 2^53) changes the stream too.
    const high = await draw(1, 12, 77 + 2 ** 40);
    expect(high[0]).not.toBe(alone[0]);
    // Against the float64 reference of the same bits: only log and cos differ.
    const ref = (seed: [number, number]) => Array.from({ length: per }, (_, e) => philoxNormal([e, 998, 12, 1], seed));
    expect(relErr(alone, ref([77, 0]))).toBeLessThan(1e-5);
    expect(relErr(high, ref([77, 2 ** 8]))).toBeLessThan(1e-5);
    expect(relErr(await draw(1, 12, 2 ** 53 - 1), ref([2 ** 32 - 1, 2 ** 21 - 1]))).toBeLessThan(1e-5);
    st.destroy();
  });

  it('ddpmUpdate philox noise is the same for a sample in any batch, and matches the reference', async () => {
    const table = tableFor(ddpm);
    const per = 3 * 4;
    const x0 = randomArray(3 * per, 8);
    const eps = randomArray(3 * per, 9);
    const st = createStepState(rt());
    const step = async (first: number, count: number, offset: number) => {
      setStepState(rt(), st, { step: 498, sampleOffset: offset, seed: 5 });
      const x = rt().upload(x0.subarray(first * per, (first + count) * per), [count, 3, 4]);
      const e = rt().upload(eps.subarray(first * per, (first + count) * per), [count, 3, 4]);
      const out = await runAndRead(rt(), (g) => ddpmUpdate(g, x, e, table, st, { kind: 'philox' }), x);
      rt().release(x, e);
      return out;
    };
    const batch = await step(0, 3, 40);
    expect(await step(1, 2, 41)).toEqual(batch.subarray(per));
    const ref = ddpmStepsRef(x0, eps, trained, 500, 500, () =>
      Array.from({ length: 3 * per }, (_, k) => philoxNormal([k % per, 500, 40 + Math.floor(k / per), 0], [5, 0])),
    );
    expect(relErr(batch, ref)).toBeLessThan(1e-5);
    st.destroy();
    table.destroy();
  });

  /**
   * Runs a whole sampler run through its update kernel with a fresh eps per
   * step (uploaded between steps) and returns x after each step.
   */
  async function runSteps(settings: SamplerSettings, x0: Float32Array, shape: number[], epsOf: (k: number) => Float32Array, seed = 0): Promise<Float32Array[]> {
    const table = tableFor(settings);
    const st = state(0, 3, seed);
    const x = rt().upload(x0, shape);
    const eps = rt().tensor(shape);
    const previous = rt().tensor(shape);
    const g = new Graph(rt());
    if (settings.sampler === 'dpmpp-2m') dpmSolverUpdate(g, x, eps, previous, table, st);
    else ddpmUpdate(g, x, eps, table, st, { kind: 'philox' });
    advanceStep(g, st);
    const after: Float32Array[] = [];
    for (let k = 0; k < settings.steps; k++) {
      rt().write(eps, epsOf(k));
      g.run();
      after.push(await rt().download(x));
    }
    g.dispose();
    rt().release(x, eps, previous);
    st.destroy();
    table.destroy();
    return after;
  }

  it('DDIM steps match the float64 update, deterministic (eta 0) and with Philox noise (eta 0.7), to the last step', async () => {
    const shape = [2, 3, 5, 7];
    const n = 2 * 3 * 5 * 7;
    const per = n / 2;
    const x0 = randomArray(n, 21, 1.5);
    const epsOf = (k: number) => randomArray(n, 100 + k);
    for (const eta of [0, 0.7]) {
      const steps = 6;
      const seed = 2 ** 33 + 5;
      const got = await runSteps({ sampler: 'ddim', steps, eta }, x0, shape, epsOf, seed);
      const visited = timestepsRef(timesteps, steps);
      let x: ArrayLike<number> = x0;
      for (let k = 0; k < steps; k++) {
        const z = Array.from({ length: n }, (_, j) => philoxNormal([j % per, visited[k], 3 + Math.floor(j / per), 0], [5, 2]));
        const abT = k + 1 < steps ? trained.alphabar[visited[k + 1]] : 1;
        // Each step from the GPU's previous x, so the bound is per step.
        const ref = ddimStepRef(x, epsOf(k), trained.alphabar[visited[k]], abT, eta, z);
        expect(relErr(got[k], ref), `eta ${eta} step ${k}`).toBeLessThan(1e-6);
        x = got[k];
      }
    }
  });

  it('DPM-Solver++(2M) steps match the float64 multistep solver, first order first and last', async () => {
    const shape = [3, 4, 5, 3];
    const n = 3 * 4 * 5 * 3;
    const x0 = randomArray(n, 31, 1.5);
    const epsOf = (k: number) => randomArray(n, 200 + k);
    for (const steps of [1, 2, 7]) {
      const got = await runSteps({ sampler: 'dpmpp-2m', steps }, x0, shape, epsOf);
      const ref = dpmSolver2mRef(x0, timestepsRef(timesteps, steps).map((i) => trained.alphabar[i]), epsOf);
      // The whole run against float64, not step by step: the multistep solver carries its last prediction.
      for (let k = 0; k < steps; k++) expect(relErr(got[k], ref[k]), `${steps} steps, step ${k}`).toBeLessThan(1e-6);
    }
  });

  it('rejects bad arguments', () => {
    const g = new Graph(rt());
    const st = createStepState(rt());
    const table = createStepTable(rt(), 4);
    const x = rt().tensor([2, 3]);
    expect(() => setStepState(rt(), st, { step: -1, sampleOffset: 0, seed: 0 })).toThrow(/u32/);
    expect(() => setStepState(rt(), st, { step: 0, sampleOffset: 0, seed: 2 ** 53 })).toThrow(/seed/);
    expect(() => setStepState(rt(), st, { step: 0, sampleOffset: 0, seed: 1.5 })).toThrow(/seed/);
    expect(() => ddpmUpdate(g, x, rt().tensor([3, 2]), table, st, { kind: 'philox' })).toThrow(/eps \[3,2\]/);
    expect(() => ddpmUpdate(g, x, rt().tensor([2, 3]), table, st, { kind: 'buffer', noise: rt().tensor([4, 3, 3]) })).toThrow(/noise \[4,3,3\]/);
    expect(() => dpmSolverUpdate(g, x, rt().tensor([2, 3]), x, table, st)).toThrow(/previous/);
    expect(() => writeStepTable(rt(), table, new Float32Array(5 * SAMPLER_STEP_WORDS))).toThrow(/writeStepTable/);
    expect(() => createStepTable(rt(), 0)).toThrow(/capacity/);
    g.dispose();
    st.destroy();
    table.destroy();
  });
});
