// Where tile `tile` of a batch of Winograd tiles lies (src/ops/conv-winograd.ts):
// tiles run along w, then h, then d (`tiles` per axis), then over the samples.
struct WinogradTile { sample: u32, d: u32, h: u32, w: u32 }

fn winogradTile(tile: u32, tiles: vec3u) -> WinogradTile {
  let w = tile % tiles.z;
  var rest = tile / tiles.z;
  let h = rest % tiles.y;
  rest /= tiles.y;
  return WinogradTile(rest / tiles.x, rest % tiles.x, h, w);
}
