/** torch.cat(dim=1) of flattened (B, C_i, S) inputs. */
export function concatChannelsRef(inputs: { data: ArrayLike<number>; channels: number }[], batch: number, spatial: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < batch; b++) {
    for (const { data, channels } of inputs) {
      const len = channels * spatial;
      for (let i = 0; i < len; i++) out.push(data[b * len + i]);
    }
  }
  return out;
}
