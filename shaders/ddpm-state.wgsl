// The DDPM sampler's step state, prepended to each ddpm-*.wgsl kernel. It lives
// in a storage buffer so a recorded graph replays all steps without the host.

struct StepState {
  // The current DDPM index, counting down.
  i: u32,
  // The global index of batch element 0, so noise depends on the sample, not the batch.
  sample_offset: u32,
  unused0: u32,
  unused1: u32,
}

const NOISE_STREAM_STEP = 0u;
const NOISE_STREAM_START = 1u;
