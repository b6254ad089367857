// Convolution core shared by Conv3d and ConvTranspose3d: an implicit GEMM
// (M = output channels, N = output voxels, K = input channels x taps) over a
// zero-padded copy of the input (shaders/conv-pad.wgsl), so there are no
// bounds checks and every input row is read as aligned vec4s.
//
// The output is split into classes (one for Conv3d; for ConvTranspose3d the
// stride^3 output parity classes, each a plain correlation over a thinned,
// flipped kernel; see src/ops/conv-transpose3d.ts). Within a class, output voxel q of
// the class grid, with input origin q' = q * IN_STRIDE + start, is
//   y[residue + outStep * q] = bias + sum over i, jd < count.x, jh < count.y, jw < count.z
//       of xpad[i, q'd + jd, q'h + jh, q'w + jw] * weight[i, kd(jd), kh(jh), kw(jw)]
// with k(j) = origin + step * (j - lead) per axis; along w the first `lead` taps
// are zero (they only align the window to a vec4). A class without taps
// writes the bias.
//
// Work split: an invocation owns SEG (2, or 1 for layers too small to fill
// the lanes otherwise) segments of 4 consecutive class voxels along w by 8
// output channels; a workgroup shares one channel group and one class. A
// segment's input window (4 voxels x 3 taps) is a mat4x3, a Toeplitz view of
// two aligned vec4 loads, and the weights of 3 taps x 4 channels a mat3x4: one
// matrix product is 48 multiply-adds. Class grids at most 2 voxels wide use
// TWO_ROWS segments instead: 2 voxels of each of 2 neighbouring rows, one vec4
// load per row, so that no voxel slot lies past the end of a row.
//
// On llvmpipe every storage load is a per-lane scalar loop and every loop
// blends all its loop-carried values, so the tile is kept small, the loop
// over (input channel, jd, jh) is one flat loop, and the weights, the same
// for every lane, come from loadTaps() (shaders/conv-taps-*.wgsl), which
// shares them across a subgroup where it can.
//
// Uniforms, bindings and the weight addressing the loadTaps variants share:
// shaders/conv3d-bindings.wgsl; weight layout: shaders/conv-weights.wgsl.

override WG: u32 = 64u;
override SEG: u32 = 2u;
override TWO_ROWS: bool = false;
override IN_STRIDE: u32 = 1u;
// The two segments of an invocation are neighbours in one row (stride 1, an
// even number of segments per row), so their windows share a vec4.
override ADJACENT: bool = false;

struct Segment { b: u32, zq: u32, yq: u32, xq: u32, valid: bool }

fn segment(index: u32) -> Segment {
  let s = min(index, p.segments - 1u);
  var rest = s / p.gridSegW;
  let yq = (rest % p.gridRows) * select(1u, 2u, TWO_ROWS);
  rest /= p.gridRows;
  return Segment(rest / p.gridD, rest % p.gridD, yq, (s % p.gridSegW) * 4u, index < p.segments);
}

// Inputs a, b seen by 4 neighbouring output voxels: column v holds the
// inputs under taps 0..2 of voxel v.
fn toeplitz(a: vec4f, b: vec4f) -> mat4x3f {
  return mat4x3f(a.xyz, a.yzw, vec3f(a.zw, b.x), vec3f(a.w, b.xy));
}

// The window of the segment whose inputs start at vec4 `at`.
fn window(at: u32) -> mat4x3f {
  let a = unpackQuad(x[at]);
  if (TWO_ROWS) {
    let below = unpackQuad(x[at + p.padW / 4u]);
    return mat4x3f(a.xyz, a.yzw, below.xyz, below.yzw);
  }
  let b = unpackQuad(x[at + 1u]);
  if (IN_STRIDE == 1u) {
    return toeplitz(a, b);
  }
  let c = unpackQuad(x[at + 2u]);
  return mat4x3f(a.xyz, vec3f(a.zw, b.x), b.xyz, vec3f(b.zw, c.x));
}

fn inputBase(s: Segment, cls: ConvClass) -> u32 {
  let z = s.zq * IN_STRIDE + cls.start.x;
  let row = s.yq * IN_STRIDE + cls.start.y;
  let col = s.xq * IN_STRIDE + cls.start.z;
  return ((s.b * p.inChannels * p.padD + z) * p.padH + row) * (p.padW / 4u) + col / 4u;
}

// Writes one output value; a class grid slightly larger than the class or a
// spare segment lands outside the output and is skipped.
fn store(value: f32, s: Segment, cls: ConvClass, o: u32, v: u32) {
  let oz = cls.residue.x + p.outStep * s.zq;
  let oy = cls.residue.y + p.outStep * (s.yq + select(0u, v / 2u, TWO_ROWS));
  let ox = cls.residue.z + p.outStep * (s.xq + select(v, v % 2u, TWO_ROWS));
  if (!s.valid || oz >= p.outD || oy >= p.outH || ox >= p.outW) { return; }
  var bo = 0.0;
  if (p.hasBias != 0u) { bo = bias[o]; }
  y[(((p.firstSample + s.b) * p.outChannels + o) * p.outD + oz) * p.outH * p.outW + oy * p.outW + ox] = value + bo;
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, lane: Lane) {
  // wid stays a separate parameter: the uniformity analysis treats a struct
  // parameter as a whole, and subgroup operations need uniform loop bounds.
  let cls = p.classes[wid.z];
  let group = wid.y;
  let tile = wid.x * WG + lane.lid;
  let s0 = segment(tile * SEG);
  let s1 = segment(tile * SEG + 1u);

  let row = p.padW / 4u;
  let plane = p.padH * row;
  let volume = p.padD * plane;
  let k = i32(p.kernel);
  let perChannel = p.kernel * p.kernel * p.kernel * 2u;
  let along = weightTaps(lane, cls);
  // Distance from s0's window to s1's, the same for every tap.
  let x1 = inputBase(s1, cls) - inputBase(s0, cls);
  var xi = inputBase(s0, cls);
  var wi = group * p.inChannels * perChannel;

  var a00 = mat4x4f();
  var a01 = mat4x4f();
  var a10 = mat4x4f();
  var a11 = mat4x4f();
  // One flat loop over (input channel, jd, jh); the counters advance with selects.
  var jd = 0u;
  var jh = 0u;
  let steps = p.inChannels * cls.count.x * cls.count.y;
  for (var t = 0u; t < steps; t++) {
    let kd = cls.origin.x + cls.step.x * i32(jd);
    let kh = cls.origin.y + cls.step.y * i32(jh);
    let taps = loadTaps(lane, wi + u32(kd * k + kh) * p.kernel * 2u, along);
    let at = xi + jd * plane + jh * row;
    var X0: mat4x3f;
    var X1: mat4x3f;
    if (ADJACENT) {
      let a = unpackQuad(x[at]);
      let b = unpackQuad(x[at + 1u]);
      let c = unpackQuad(x[at + 2u]);
      X0 = toeplitz(a, b);
      X1 = toeplitz(b, c);
    } else {
      X0 = window(at);
      if (SEG == 2u) { X1 = window(at + x1); }
    }
    a00 += taps[0] * X0;
    a01 += taps[1] * X0;
    if (SEG == 2u) {
      a10 += taps[0] * X1;
      a11 += taps[1] * X1;
    }
    jh += 1u;
    let nextD = jh == cls.count.y;
    jh = select(jh, 0u, nextD);
    jd += select(0u, 1u, nextD);
    let nextI = jd == cls.count.x;
    jd = select(jd, 0u, nextI);
    xi += select(0u, volume, nextI);
    wi += select(0u, perChannel, nextI);
  }

  // One store in a loop with a data-dependent bound: unrolled, the 64
  // per-lane stores doubled the compile time.
  let acc = array(a00, a01, a10, a11);
  let segments = array(s0, s1);
  let first = group * CHANNELS_PER_GROUP;
  let channels = min(CHANNELS_PER_GROUP, p.outChannels - first);
  for (var t = 0u; t < channels * 4u * SEG; t++) {
    let e = t / (4u * SEG);
    let j = (t / 4u) % SEG;
    let v = t % 4u;
    store(acc[2u * j + e / 4u][v][e % 4u], segments[j], cls, first + e, v);
  }
}
