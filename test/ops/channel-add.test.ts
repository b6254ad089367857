import { describe, expect, it } from 'vitest';
import { addChannelVectors } from '../../src/ops/channel-add.js';
import { Graph } from '../../src/runtime/index.js';
import { useRuntime, runOnce } from '../helpers/gpu.js';
import { prod, randomArray, relErr } from '../helpers/numeric.js';
import { addChannelVectorsRef } from '../reference/channel-add.js';

describe('addChannelVectors', () => {
  const rt = useRuntime();

  async function check(shape: number[], count: number) {
    const [batch, channels] = shape;
    const x = randomArray(prod(shape), 1);
    const vectors = Array.from({ length: count }, (_, k) => randomArray(batch * channels, 2 + k, 3));
    const out = await runOnce(rt(), (g) =>
      addChannelVectors(g, rt().upload(x, shape), vectors.map((v) => rt().upload(v, [batch, channels]))),
    );
    expect(relErr(out, addChannelVectorsRef(x, vectors, batch * channels))).toBeLessThan(1e-7);
  }

  it('one vector, odd sizes, batch > 1', () => check([3, 5, 5, 7, 3], 1));
  it('two vectors, channels not a multiple of 4', () => check([2, 7, 3, 1, 5], 2));
  it('the UNet sizes: 1024 channels at 2x2x2 and 512 at 4x4x4', async () => {
    await check([2, 1024, 2, 2, 2], 2);
    await check([3, 512, 4, 4, 4], 2);
  });

  it('rejects wrong vector shapes and counts', () => {
    const g = new Graph(rt());
    const x = rt().tensor([2, 3, 4]);
    expect(() => addChannelVectors(g, x, [rt().tensor([3, 2])])).toThrow(/\[2,3,4\], vectors \[3,2\]/);
    expect(() => addChannelVectors(g, x, [])).toThrow(/1 or 2/);
    expect(() => addChannelVectors(g, x, [rt().tensor([2, 3])], x)).toThrow(/share/);
    g.dispose();
  });
});
