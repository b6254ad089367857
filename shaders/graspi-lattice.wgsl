// GraSPI's voxel graph as a stencil (src/descriptors/lattice.ts): volume (D, H, W) in C order, W the
// electrode axis; flat (H = 1) is GraSPI's 2D mode (8-neighbourhood in the D-W plane). Prepended to
// every graspi-*.wgsl kernel (and graspi-phases.wgsl to those that read the phases).

// Invocations per workgroup of every kernel that visits the voxels (src/descriptors/gpu-measure.ts
// reads it); the tally's reduction halves it, so it is a power of two.
const WORKGROUP = 256u;

struct Lattice {
  nd: i32, nh: i32, nw: i32, n: u32,
  wrap_d: u32, wrap_h: u32, flat: u32, tile_count: u32,
  // Tiles of WORKGROUP voxels (tile: its extent per axis; tiles: how many per axis), as graspi-relax.wgsl visits them.
  tile: vec4i,
  tiles: vec4i,
  // float32 edge lengths for face / edge / corner neighbours, and their halves (interface vertex).
  len: vec4f,
  half_len: vec4f,
}
@group(0) @binding(0) var<uniform> lat: Lattice;

const UNREACHED: f32 = 3.4028234663852886e38;

fn voxel_index(gid: vec3u, nwg: vec3u) -> u32 {
  return gid.x + gid.y * nwg.x * WORKGROUP;
}

// (d, h, w) of a voxel.
fn coords(i: u32) -> vec3i {
  let ii = i32(i);
  return vec3i(ii / (lat.nh * lat.nw), (ii / lat.nw) % lat.nh, ii % lat.nw);
}

// The neighbour at offset o, or -1 outside the volume (the electrode planes are outside too).
fn neighbour(c: vec3i, o: vec3i) -> i32 {
  let w = c.z + o.z;
  if (w < 0 || w >= lat.nw) { return -1; }
  var d = c.x + o.x;
  if (d < 0 || d >= lat.nd) {
    if (lat.wrap_d == 0u) { return -1; }
    d = (d + lat.nd) % lat.nd;
  }
  var h = c.y + o.y;
  if (h < 0 || h >= lat.nh) {
    if (lat.wrap_h == 0u) { return -1; }
    h = (h + lat.nh) % lat.nh;
  }
  return (d * lat.nh + h) * lat.nw + w;
}

// Offset k of the stencil (k < stencil_size()): all of {-1,0,1}^3 but the centre, or in 2D the
// D-W plane's 8. The first half (k < stencil_size() / 2) holds each pair's offset once.
fn stencil_size() -> u32 {
  return select(26u, 8u, lat.flat != 0u);
}

fn offset(k: u32) -> vec3i {
  if (lat.flat != 0u) {
    // 2D cells t = 3 (d + 1) + (w + 1), centre 4: 5..8 are the positive half, 3..0 their mirrors.
    let t = select(7u - k, 5u + k, k < 4u);
    return vec3i(i32(t / 3u) - 1, 0, i32(t % 3u) - 1);
  }
  // 3D cells 9 (d + 1) + 3 (h + 1) + (w + 1), centre 13: 14..26 positive, 12..0 their mirrors.
  let cell = select(25u - k, 14u + k, k < 13u);
  return vec3i(i32(cell / 9u) - 1, i32((cell / 3u) % 3u) - 1, i32(cell % 3u) - 1);
}

fn kind_of(o: vec3i) -> u32 {
  return u32(abs(o.x) + abs(o.y) + abs(o.z));
}
