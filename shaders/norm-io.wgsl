// The output and input of shaders/norm.wgsl in two buffers. Its in-place
// twin, shaders/norm-io-in-place.wgsl, binds the output alone.
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read> x: array<f32>;

fn input_at(i: u32) -> f32 { return x[i]; }
