// Batched GEMM on subgroup matrices, the same product and bindings as
// shaders/gemm.wgsl: C[z] = A[z] B[z]. A workgroup is one subgroup (WG, a
// multiple of the adapter's largest subgroup size) and owns a TILE_ROWS x
// TILE_COLS tile of C, 2 x 2 result matrices. Per stage the lanes copy SM_K
// values of K of A and B into the tiles, converted to SmScalar, zeros past the
// last row, column or K; then the subgroup loads 2 left and 2 right matrices
// and multiplies each pair into its f32 result. Matrix operations take only
// workgroup-uniform values (the workgroup id, loop counters, constants), as
// the builtins require. The results go through tileC to C, clipped.
// Split-K as in shaders/gemm-tiled.wgsl: workgroup z covers matrix z / kSlices
// over slice z % kSlices of K, a whole number of stages.

override WG: u32;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let ks = kSliceOf(wid, nwg);
  let z = ks.z;
  let m = ks.m;
  let row0 = wid.y * TILE_ROWS;
  let colQuad0 = wid.x * TILE_COL_QUADS;
  let depth = 4u * p.kQuads;
  let stageQuads = SM_K / 4u;
  let kBegin = 4u * ks.begin;
  let kEnd = 4u * ks.end;

  var acc00: ResultMatrix;
  var acc01: ResultMatrix;
  var acc10: ResultMatrix;
  var acc11: ResultMatrix;
  for (var k0 = kBegin; k0 < kEnd; k0 += SM_K) {
    for (var i = lid; i < TILE_ROWS * stageQuads; i += WG) {
      let r = i / stageQuads;
      let row = row0 + r;
      let kq = k0 / 4u + i % stageQuads;
      let inside = row < p.rows && kq < kEnd / 4u;
      let v = select(vec4f(), a[(z * p.rows + min(row, p.rows - 1u)) * p.kQuads + min(kq, p.kQuads - 1u)], inside);
      for (var e = 0u; e < 4u; e++) {
        tileA[(4u * (i % stageQuads) + e) * TILE_ROWS + r] = SmScalar(v[e]);
      }
    }
    for (var i = lid; i < SM_K * TILE_COL_QUADS; i += WG) {
      let k = i / TILE_COL_QUADS;
      let q = i % TILE_COL_QUADS;
      let kRow = k0 + k;
      let col = colQuad0 + q;
      let inside = kRow < kEnd && col < p.colQuads;
      let v = select(vec4f(), unpackQuad(b[(m * depth + min(kRow, depth - 1u)) * p.colQuads + min(col, p.colQuads - 1u)]), inside);
      for (var e = 0u; e < 4u; e++) {
        tileB[k * TILE_COLS + 4u * q + e] = SmScalar(v[e]);
      }
    }
    workgroupBarrier();
    let left0 = loadLeft(0u);
    let left1 = loadLeft(SM_M);
    let right0 = loadRight(0u);
    let right1 = loadRight(SM_N);
    acc00 = multiplyAccumulate(left0, right0, acc00);
    acc01 = multiplyAccumulate(left0, right1, acc01);
    acc10 = multiplyAccumulate(left1, right0, acc10);
    acc11 = multiplyAccumulate(left1, right1, acc11);
    workgroupBarrier();
  }

  storeResult(0u, acc00);
  storeResult(SM_N, acc01);
  storeResult(SM_M * TILE_COLS, acc10);
  storeResult(SM_M * TILE_COLS + SM_N, acc11);
  workgroupBarrier();
  let cz = ks.cz;
  for (var i = lid; i < TILE_ROWS * TILE_COL_QUADS; i += WG) {
    let r = i / TILE_COL_QUADS;
    let q = i % TILE_COL_QUADS;
    let row = row0 + r;
    let col = colQuad0 + q;
    if (row < p.rows && col < p.colQuads) {
      let at = r * TILE_COLS + 4u * q;
      c[(cz * p.rows + row) * p.colQuads + col] = vec4f(tileC[at], tileC[at + 1u], tileC[at + 2u], tileC[at + 3u]);
    }
  }
}
