// The phase map, four voxels per word (0 donor, 1 acceptor, 2 mixed), at binding 1.
@group(0) @binding(1) var<storage, read> phase_words: array<u32>;

fn phase_of(i: u32) -> u32 {
  return (phase_words[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu;
}
