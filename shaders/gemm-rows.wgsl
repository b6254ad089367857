// The rows of A that one invocation of shaders/gemm.wgsl multiplies, shared by
// its loadRows variants (shaders/gemm-rows-*.wgsl).

// Rows per invocation: 4 or 8.
override ROWS: u32 = 8u;

// Quad `at` (matrix start + k) of row `row`; rows past the last read the last.
fn rowQuad(at: u32, row: u32) -> vec4f {
  return a[at + min(row, p.rows - 1u) * p.kQuads];
}
