// The output of shaders/norm.wgsl written over its input, in one buffer:
// WebGPU forbids binding a buffer twice in a dispatch where one binding
// writes. Safe because each invocation reads the values it overwrites before
// writing them, and a segment's values are read only by its own workgroup.
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

fn input_at(i: u32) -> f32 { return y[i]; }
