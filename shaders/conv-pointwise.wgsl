// Convolutions where every output class takes exactly one kernel tap per axis
// from the input voxel at the same class coordinates: Conv3d and
// ConvTranspose3d with kernel 1 (stride 1, no padding) and ConvTranspose3d
// with kernel = stride (no padding, no output padding). Each class is then a
// plain GEMM over the input voxels:
//   y[b, o, residue + step * q] = bias[o] + sum_i x[b, i, q] * weight[i, tap(class), o]
//
// shaders/conv3d.wgsl tiles voxels across lanes, which leaves most lanes idle
// on the few voxels these layers have at batch 1 (2x2x1 up to 8x8x8). Here a
// workgroup shares 8 input voxels and its lanes own 8 output channels of one
// class each: the 8 inputs per input channel come from load8()
// (shaders/conv-pointwise-*.wgsl, one load per lane where subgroups allow),
// the weights are each lane's own.
//
// Weights: shaders/conv-weights.wgsl, [channel group][i][tap][8 channels],
// stored as Quads (f32, or packed f16 in the f16 mode; see src/ops/conv-core.ts).
// Uniforms and bindings: shaders/conv-pointwise-bindings.wgsl.

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, lane: Lane) {
  // wid stays a separate parameter so that the input addresses are uniform.
  let b = wid.y / p.tilesPerSample;
  let first = (wid.y % p.tilesPerSample) * VOXELS_PER_WORKGROUP;
  let slot = wid.x * WG + lane.lid;
  let valid = slot < p.lanes;
  let owner = min(slot, p.lanes - 1u);
  let group = owner % p.groups;
  let cls = p.classTap[owner / p.groups];

  var xi = b * p.inChannels * p.voxels + first;
  let available = min(VOXELS_PER_WORKGROUP, p.voxels - first);
  var wi = (group * p.inChannels * p.taps + cls.x) * 2u;
  var a0 = vec4f(); var b0 = vec4f(); var a1 = vec4f(); var b1 = vec4f();
  var a2 = vec4f(); var b2 = vec4f(); var a3 = vec4f(); var b3 = vec4f();
  var a4 = vec4f(); var b4 = vec4f(); var a5 = vec4f(); var b5 = vec4f();
  var a6 = vec4f(); var b6 = vec4f(); var a7 = vec4f(); var b7 = vec4f();
  for (var i = 0u; i < p.inChannels; i++) {
    let v = load8(lane, xi, available);
    let lo = unpackQuad(w[wi]);
    let hi = unpackQuad(w[wi + 1u]);
    a0 += v[0] * lo; b0 += v[0] * hi;
    a1 += v[1] * lo; b1 += v[1] * hi;
    a2 += v[2] * lo; b2 += v[2] * hi;
    a3 += v[3] * lo; b3 += v[3] * hi;
    a4 += v[4] * lo; b4 += v[4] * hi;
    a5 += v[5] * lo; b5 += v[5] * hi;
    a6 += v[6] * lo; b6 += v[6] * hi;
    a7 += v[7] * lo; b7 += v[7] * hi;
    xi += p.voxels;
    wi += p.taps * 2u;
  }
  if (!valid) { return; }
  // Stores in loops with data-dependent bounds: unrolled, they multiply the compile time.
  let acc = array(a0, b0, a1, b1, a2, b2, a3, b3, a4, b4, a5, b5, a6, b6, a7, b7);
  let channels = min(CHANNELS_PER_GROUP, p.outChannels - group * CHANNELS_PER_GROUP);
  let volume = p.outD * p.outH * p.outW;
  for (var k = 0u; k < available; k++) {
    let voxel = first + k;
    let ix = voxel % p.inW;
    let iy = (voxel / p.inW) % p.inH;
    let iz = voxel / (p.inW * p.inH);
    let at = ((cls.y + p.step * iz) * p.outH + cls.z + p.step * iy) * p.outW + cls.w + p.step * ix;
    for (var e = 0u; e < channels; e++) {
      let o = group * CHANNELS_PER_GROUP + e;
      var bo = 0.0;
      if (p.hasBias != 0u) { bo = bias[o]; }
      y[(b * p.outChannels + o) * volume + at] = acc[2u * k + e / 4u][e % 4u] + bo;
    }
  }
}
