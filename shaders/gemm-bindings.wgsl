// The bindings of the GEMM tilings (shaders/gemm.wgsl, gemm-tiled.wgsl, gemm-subgroup-matrix.wgsl):
// A [z][rows][kQuads] vec4, B [z - firstMatrix][4 kQuads][colQuads] Quads,
// C [z][rows][colQuads] vec4.

struct Params {
  rows: u32,
  kQuads: u32,
  colQuads: u32,
  // Matrix index, within A and C, of the first matrix of this dispatch's B binding.
  firstMatrix: u32,
  // Split-K (the GPU tilings only; 1, kQuads and firstMatrix without it):
  // K slices per matrix, K quads per slice, and the index in C of slice 0's
  // first matrix (slice s of matrix m goes to C[cFirstMatrix + s * count + m]).
  kSlices: u32,
  sliceKQuads: u32,
  cFirstMatrix: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<Quad>;
@group(0) @binding(3) var<storage, read_write> c: array<vec4f>;

// The matrix and K slice of a GPU tiling's workgroup: workgroup z covers
// matrix z / kSlices over K slice z % kSlices, quads [begin, end).
struct KSlice {
  // The matrix's index within A and C (without split-K).
  z: u32,
  // Its index within this dispatch's B binding.
  m: u32,
  begin: u32,
  end: u32,
  // Index within C (or the partial products) of the slice's result.
  cz: u32,
}

fn kSliceOf(wid: vec3u, nwg: vec3u) -> KSlice {
  let m = wid.z / p.kSlices;
  let slice = wid.z % p.kSlices;
  let begin = slice * p.sliceKQuads;
  return KSlice(p.firstMatrix + m, m, begin, min(p.kQuads, begin + p.sliceKQuads), p.cFirstMatrix + slice * (nwg.z / p.kSlices) + m);
}
