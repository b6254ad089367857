// The bindings of both GEMM tilings (shaders/gemm.wgsl, shaders/gemm-tiled.wgsl):
// A [z][rows][kQuads] vec4, B [z - firstMatrix][4 kQuads][colQuads] Quads,
// C [z][rows][colQuads] vec4.

struct Params {
  rows: u32,
  kQuads: u32,
  colQuads: u32,
  // Matrix index, within A and C, of the first matrix of this dispatch's B binding.
  firstMatrix: u32,
  // Split-K (shaders/gemm-tiled.wgsl only; 1, kQuads and firstMatrix without it):
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
