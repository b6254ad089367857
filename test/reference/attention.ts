/**
 * float64 softmax(q k^T / sqrt(d)) v for q, k, v (B, heads, L, d), over the
 * query rows listed in `queries` of every (batch, head); returns those rows.
 */
export function attentionRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  batchTimesHeads: number,
  len: number,
  dim: number,
  queries: readonly number[],
): Float64Array {
  const out = new Float64Array(batchTimesHeads * queries.length * dim);
  const logits = new Float64Array(len);
  let o = 0;
  for (let h = 0; h < batchTimesHeads; h++) {
    const base = h * len * dim;
    for (const i of queries) {
      let max = -Infinity;
      for (let j = 0; j < len; j++) {
        let s = 0;
        for (let c = 0; c < dim; c++) s += q[base + i * dim + c] * k[base + j * dim + c];
        logits[j] = s / Math.sqrt(dim);
        max = Math.max(max, logits[j]);
      }
      let sum = 0;
      for (let j = 0; j < len; j++) {
        logits[j] = Math.exp(logits[j] - max);
        sum += logits[j];
      }
      for (let c = 0; c < dim; c++) {
        let acc = 0;
        for (let j = 0; j < len; j++) acc += logits[j] * v[base + j * dim + c];
        out[o++] = acc / sum;
      }
    }
  }
  return out;
}
