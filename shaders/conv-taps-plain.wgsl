// loadTaps for shaders/conv3d.wgsl without subgroups: every invocation loads
// all the weights it needs.

struct Lane {
  @builtin(local_invocation_index) lid: u32,
}

struct LaneTaps { low: WeightTaps, high: WeightTaps }

fn weightTaps(lane: Lane, cls: ConvClass) -> LaneTaps {
  return LaneTaps(tapsAlongW(cls, 0u), tapsAlongW(cls, 1u));
}

fn tapMatrix(at: u32, taps: WeightTaps) -> mat3x4f {
  let zero = vec4f();
  return mat3x4f(select(zero, unpackQuad(w[at + taps.offset.x]), taps.valid.x), select(zero, unpackQuad(w[at + taps.offset.y]), taps.valid.y),
                 select(zero, unpackQuad(w[at + taps.offset.z]), taps.valid.z));
}

// Window taps 0..2 along w of one (i, kd, kh) for 8 output channels, as two
// matrices of 4 channels; missing taps are zero.
fn loadTaps(lane: Lane, at: u32, along: LaneTaps) -> array<mat3x4f, 2> {
  return array(tapMatrix(at, along.low), tapMatrix(at, along.high));
}
