// load8 for shaders/conv-pointwise.wgsl without subgroups: each invocation
// loads the 8 inputs itself.

struct Lane {
  @builtin(local_invocation_index) lid: u32,
}

// x[at + k] for k < 8; past `available` the last one again (never stored).
fn load8(lane: Lane, at: u32, available: u32) -> array<f32, 8> {
  let last = at + available - 1u;
  return array(x[at], x[min(at + 1u, last)], x[min(at + 2u, last)], x[min(at + 3u, last)],
               x[min(at + 4u, last)], x[min(at + 5u, last)], x[min(at + 6u, last)], x[min(at + 7u, last)]);
}
