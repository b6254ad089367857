// The workgroup tiles of shaders/gemm-subgroup-matrix.wgsl, in the scalar
// type of the adapter's subgroup-matrix shape (SmScalar, SM_M, SM_N, SM_K:
// the shape part src/ops/gemm.ts writes from the chosen config). One
// workgroup is one subgroup and owns ROW_MATRICES x COL_MATRICES result
// matrices of C; per stage it holds SM_K values of K of A and of B.

const ROW_MATRICES = 2u;
const COL_MATRICES = 2u;
const TILE_ROWS = ROW_MATRICES * SM_M;
const TILE_COLS = COL_MATRICES * SM_N;
const TILE_COL_QUADS = TILE_COLS / 4u;

// How the matrices lie in the tiles, as subgroupMatrixLoad/Store take it:
// A column-major (a lane's vec4 of A is 4 values of K of one row, stored 4
// rows apart), B and C row-major. Strides count elements; all are even (Intel
// loads f16 in pairs).
const A_COL_MAJOR = true;
const A_STRIDE = TILE_ROWS;
const B_COL_MAJOR = false;
const B_STRIDE = TILE_COLS;
const C_COL_MAJOR = false;
const C_STRIDE = TILE_COLS;

// tileA[k * TILE_ROWS + r], tileB[k * TILE_COLS + col], tileC[r * TILE_COLS + col].
var<workgroup> tileA: array<SmScalar, TILE_ROWS * SM_K>;
var<workgroup> tileB: array<SmScalar, SM_K * TILE_COLS>;
var<workgroup> tileC: array<f32, TILE_ROWS * TILE_COLS>;
