// Batched GEMM for GPUs, the same product and bindings as shaders/gemm.wgsl:
// C[z] = A[z] B[z] for the matrices z of one dispatch. A workgroup of 64
// lanes owns a 32-row x 64-column tile of C; per stage it stages 16 values
// of K of A (32 x 16, stored transposed so that a lane reads 4 rows as one
// vec4) and of B (16 x 64) in workgroup memory, each lane loading 2 vec4s of
// A and 4 Quads of B, then every lane multiplies its 4 rows x 8 columns out of
// the staged tiles. Tiles past the last row, column or K read zeros.
// Split-K: where C has too few tiles to fill a GPU, each workgroup takes one
// of p.kSlices slices of K and writes its partial product as a matrix of its
// own; shaders/gemm-split-reduce.wgsl sums them (src/ops/gemm.ts).

const TILE_ROWS = 32u;
const TILE_COL_QUADS = 16u;
const STAGE_K_QUADS = 4u;

// tileA[k * 8 + q]: rows 4q .. 4q + 3 of the tile at stage value k.
var<workgroup> tileA: array<vec4f, 128>;
// tileB[k * 16 + q]: columns 4q .. 4q + 3 of the tile at stage value k.
var<workgroup> tileB: array<vec4f, 256>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let ks = kSliceOf(wid, nwg);
  let z = ks.z;
  let m = ks.m;
  let kBegin = ks.begin;
  let kEnd = ks.end;
  let row0 = wid.y * TILE_ROWS;
  let colQuad0 = wid.x * TILE_COL_QUADS;
  let rowQuad = lid / 8u;
  let colPair = lid % 8u;
  let depth = 4u * p.kQuads;

  var acc: array<vec4f, 8>;
  for (var k0 = kBegin; k0 < kEnd; k0 += STAGE_K_QUADS) {
    for (var j = 0u; j < 2u; j++) {
      let index = lid + 64u * j;
      let r = index / STAGE_K_QUADS;
      let q = index % STAGE_K_QUADS;
      let row = row0 + r;
      let kq = k0 + q;
      let inside = row < p.rows && kq < kEnd;
      let v = select(vec4f(), a[(z * p.rows + min(row, p.rows - 1u)) * p.kQuads + min(kq, p.kQuads - 1u)], inside);
      for (var e = 0u; e < 4u; e++) {
        tileA[(q * 4u + e) * 8u + r / 4u][r % 4u] = v[e];
      }
    }
    for (var j = 0u; j < 4u; j++) {
      let index = lid + 64u * j;
      let k = index / TILE_COL_QUADS;
      let q = index % TILE_COL_QUADS;
      let kRow = 4u * k0 + k;
      let col = colQuad0 + q;
      let inside = kRow < 4u * kEnd && col < p.colQuads;
      let at = (m * depth + min(kRow, depth - 1u)) * p.colQuads + min(col, p.colQuads - 1u);
      tileB[index] = select(vec4f(), unpackQuad(b[at]), inside);
    }
    workgroupBarrier();
    for (var k = 0u; k < 4u * STAGE_K_QUADS; k++) {
      let rowsK = tileA[k * 8u + rowQuad];
      let b0 = tileB[k * TILE_COL_QUADS + 2u * colPair];
      let b1 = tileB[k * TILE_COL_QUADS + 2u * colPair + 1u];
      for (var r = 0u; r < 4u; r++) {
        acc[2u * r] += rowsK[r] * b0;
        acc[2u * r + 1u] += rowsK[r] * b1;
      }
    }
    workgroupBarrier();
  }

  let cz = ks.cz;
  for (var r = 0u; r < 4u; r++) {
    let row = row0 + 4u * rowQuad + r;
    for (var h = 0u; h < 2u; h++) {
      let col = colQuad0 + 2u * colPair + h;
      if (row < p.rows && col < p.colQuads) {
        c[(cz * p.rows + row) * p.colQuads + col] = acc[2u * r + h];
      }
    }
  }
}
