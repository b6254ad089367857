// The rows of A that one invocation of shaders/gemm.wgsl multiplies, shared by
// its loadRows variants (shaders/gemm-rows-*.wgsl).

// Rows per invocation. 8 rather than 4 even where C has fewer rows: on
// llvmpipe the 4-row variant ran a 4-row GEMM slower than this one does
// (bench/RESULTS.md, "GEMM layers").
const ROWS = 8u;

// Quad `at` (matrix start + k) of row `row`; rows past the last read the last.
fn rowQuad(at: u32, row: u32) -> vec4f {
  return a[at + min(row, p.rows - 1u) * p.kQuads];
}
