/** float64 C[z] = A[z] B[z]: A [matrices][rows][depth], B [matrices][depth][cols], C [matrices][rows][cols]. */
export function batchedGemmRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  matrices: number,
  rows: number,
  depth: number,
  cols: number,
): Float64Array {
  const c = new Float64Array(matrices * rows * cols);
  for (let z = 0; z < matrices; z++) {
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < depth; k++) {
        const v = a[(z * rows + r) * depth + k];
        const bRow = (z * depth + k) * cols;
        const cRow = (z * rows + r) * cols;
        for (let j = 0; j < cols; j++) c[cRow + j] += v * b[bRow + j];
      }
    }
  }
  return c;
}
