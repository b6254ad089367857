// The uniforms and bindings of shaders/conv3d.wgsl, and the weight addressing
// along w that its loadTaps variants (shaders/conv-taps-*.wgsl) share.
// Weights and padded input are stored as Quads of 4 values: vec4f, or in the
// f16 mode 4 f16 packed in a vec2u (shaders/conv-quad-*.wgsl); arithmetic is
// f32 either way.

struct ConvClass {
  // Window start of class voxel 0 in padded input coordinates (w: a multiple of 4).
  start: vec4u,
  // Window taps along d, h, w (w <= 3); all zero for a class without taps.
  count: vec4u,
  // Kernel tap of window tap 0 along d and h, of window tap `lead` along w.
  origin: vec3i,
  // The number of leading zero taps along w.
  lead: i32,
  // Kernel tap step per window tap along d, h, w.
  step: vec4i,
  // Output coordinates of class voxel 0.
  residue: vec4u,
}

struct Params {
  inChannels: u32, outChannels: u32, kernel: u32, segments: u32,
  padD: u32, padH: u32, padW: u32,
  outD: u32, outH: u32, outW: u32,
  // Class grid: voxels along d, along h (row pairs with TWO_ROWS), segments along w.
  gridD: u32, gridRows: u32, gridSegW: u32,
  // Output voxels between neighbouring class voxels (the ConvTranspose3d stride).
  outStep: u32,
  hasBias: u32,
  // Batch index of the padded input's first sample (large batches run in chunks).
  firstSample: u32,
  classes: array<ConvClass, 8>,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<Quad>;
@group(0) @binding(2) var<storage, read> w: array<Quad>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

// Where a lane finds its weights along w (see tapsAlongW).
struct WeightTaps { offset: vec3u, valid: vec3<bool> }

// Weight offsets (in vec4s, within one (i, kd, kh)) of the 3 window taps
// along w for channel vec4 `half`, and which of them exist.
fn tapsAlongW(cls: ConvClass, half: u32) -> WeightTaps {
  var offset = vec3u();
  var valid = vec3<bool>();
  for (var j = 0u; j < 3u; j++) {
    let k = cls.origin.z + cls.step.z * (i32(j) - cls.lead);
    valid[j] = j < cls.count.z && i32(j) >= cls.lead;
    offset[j] = select(0u, u32(k) * 2u + half, valid[j]);
  }
  return WeightTaps(offset, valid);
}
