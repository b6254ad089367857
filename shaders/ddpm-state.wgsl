// The sampler's step state and coefficient table, prepended to each ddpm-*.wgsl
// kernel. Both live in storage buffers, so one recorded step graph replays all
// steps of a run, for any seed, without the host.

struct StepState {
  // Steps done in this run: the row of the coefficient table for the next step.
  step: u32,
  // The global index of batch element 0, so noise depends on the sample, not the batch.
  sample_offset: u32,
  // The Philox key: the seed's low and high 32 bits.
  key0: u32,
  key1: u32,
}

// One row per step of a run, written by the host once per run (src/ops/ddpm.ts
// reads its size, SAMPLER_STEP_WORDS, from here). Every sampler first forms m = a * (x - eps * b); then
// DDPM and DDIM: x = m + c * z, z ~ N(0, 1), drawn only where c != 0;
// DPM-Solver++(2M): m is the data prediction x0, x = c * x + d * m + e * m_prev.
struct SamplerStep {
  // The trained-schedule index i of this step (an integer): t = i / n_T, and
  // the step word of its Philox noise counter.
  timestep: f32,
  a: f32,
  b: f32,
  c: f32,
  d: f32,
  e: f32,
  unused0: f32,
  unused1: f32,
}

const SAMPLER_STEP_WORDS = 8u;

const NOISE_STREAM_STEP = 0u;
const NOISE_STREAM_START = 1u;
