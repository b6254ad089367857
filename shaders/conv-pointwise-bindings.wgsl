// The uniforms and bindings of shaders/conv-pointwise.wgsl, which its load8
// variants (shaders/conv-pointwise-*.wgsl) share.

// Input voxels per workgroup: the ones load8 gives every lane.
const VOXELS_PER_WORKGROUP = 8u;

struct Params {
  inChannels: u32, outChannels: u32, taps: u32, voxels: u32,
  inH: u32, inW: u32, outD: u32, outH: u32,
  outW: u32, step: u32, hasBias: u32, groups: u32,
  lanes: u32, tilesPerSample: u32,
  // Per class: kernel tap, then the output residue along d, h, w (16-byte aligned).
  classTap: array<vec4u, 8>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<Quad>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
