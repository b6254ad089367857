// Batched GEMM for CPU adapters: for each matrix z of a batch (the 64
// Winograd components of a conv, src/ops/gemm.ts),
//   C[z] (rows x cols) = A[z] (rows x K) * B[z] (K x cols),
// A and C f32, B stored as Quads (vec4f, or 4 packed f16; sums f32).
// Register blocking: an invocation owns ROWS (8) rows x 8 columns, held
// as mat4x4 accumulators (column r = 4 columns of row r), and per 4 values of
// K loads ROWS vec4s of A (loadRows, shaders/gemm-rows-*.wgsl: shared across
// a subgroup where it can, since every lane of a workgroup has the same rows)
// and 8 Quads of B, for 32 x ROWS multiply-adds. Lanes of a workgroup take
// neighbouring column blocks, so their B loads are contiguous.
// loadRows(lane, at, row0) gives quad `at` (matrix start + k) of rows row0 .. row0 + ROWS - 1
// (ROWS: shaders/gemm-rows.wgsl).
// Layouts: shaders/gemm-bindings.wgsl; colQuads is even (whole 8-column blocks).

override WG: u32 = 8u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, lane: Lane) {
  let z = p.firstMatrix + wid.z;
  let colBlocks = p.colQuads / 2u;
  let block = wid.x * WG + lane.lid;
  let col = min(block, colBlocks - 1u) * 2u;
  let row0 = wid.y * ROWS;
  var ai = z * p.rows * p.kQuads;
  var bi = wid.z * p.kQuads * 4u * p.colQuads + col;
  let n = p.colQuads;

  var lo0 = mat4x4f();
  var hi0 = mat4x4f();
  var lo1 = mat4x4f();
  var hi1 = mat4x4f();
  for (var k = 0u; k < p.kQuads; k++) {
    let r = loadRows(lane, ai, row0);
    let b0 = mat4x4f(unpackQuad(b[bi]), unpackQuad(b[bi + n]), unpackQuad(b[bi + 2u * n]), unpackQuad(b[bi + 3u * n]));
    let b1 = mat4x4f(unpackQuad(b[bi + 1u]), unpackQuad(b[bi + n + 1u]), unpackQuad(b[bi + 2u * n + 1u]),
                     unpackQuad(b[bi + 3u * n + 1u]));
    lo0 += b0 * r[0];
    hi0 += b1 * r[0];
    lo1 += b0 * r[1];
    hi1 += b1 * r[1];
    ai += 1u;
    bi += 4u * n;
  }

  if (block >= colBlocks) { return; }
  let lo = array(lo0, lo1);
  let hi = array(hi0, hi1);
  for (var r = 0u; r < ROWS; r++) {
    let row = row0 + r;
    if (row < p.rows) {
      let at = (z * p.rows + row) * p.colQuads + col;
      c[at] = lo[r / 4u][r % 4u];
      c[at + 1u] = hi[r / 4u][r % 4u];
    }
  }
}
