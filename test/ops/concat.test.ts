import { describe, expect, it } from 'vitest';
import { concatChannels } from '../../src/ops/concat.js';
import { Graph } from '../../src/runtime/index.js';
import { useRuntime, runOnce } from '../helpers/gpu.js';
import { randomArray } from '../helpers/numeric.js';
import { concatChannelsRef } from '../reference/concat.js';

describe('concatChannels', () => {
  const rt = useRuntime();

  async function check(batch: number, channels: number[], spatial: number[]) {
    const s = spatial.reduce((a, b) => a * b, 1);
    const inputs = channels.map((c, k) => ({ data: randomArray(batch * c * s, 10 + k), channels: c }));
    const out = await runOnce(rt(), (g) =>
      concatChannels(g, inputs.map(({ data, channels: c }) => rt().upload(data, [batch, c, ...spatial]))),
    );
    expect(Array.from(out)).toEqual(concatChannelsRef(inputs, batch, s));
  }

  it('two inputs, first operand first, odd sizes and batch > 1', () => check(3, [5, 3], [5, 7, 3]));
  it('three inputs with channel counts not multiples of 4', () => check(2, [1, 6, 3], [3, 1, 5]));
  it('a single input is a copy', () => check(2, [7], [2, 2, 2]));
  it('the UNet sizes: 1024 + 1024 channels at 2x2x2', () => check(2, [1024, 1024], [2, 2, 2]));

  it('rejects mismatched batch or spatial sizes and bad outs', () => {
    const g = new Graph(rt());
    const a = rt().tensor([2, 3, 4, 4, 4]);
    expect(() => concatChannels(g, [a, rt().tensor([1, 3, 4, 4, 4])])).toThrow(/\[2,3,4,4,4\], \[1,3,4,4,4\]/);
    expect(() => concatChannels(g, [a, rt().tensor([2, 3, 4, 4, 2])])).toThrow(/spatial/);
    expect(() => concatChannels(g, [a, a], rt().tensor([2, 5, 4, 4, 4]))).toThrow(/\[2,6,4,4,4\]/);
    expect(() => concatChannels(g, [])).toThrow(/no inputs/);
    g.dispose();
  });
});
