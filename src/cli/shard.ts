import { UsageError } from '../errors.js';

/** Shard `index` of `count` (1-based, as in --shard 2/4): the samples i with i % count === index - 1. */
export interface Shard {
  index: number;
  count: number;
}

export const WHOLE_RUN: Shard = { index: 1, count: 1 };

export function parseShard(value: string | undefined): Shard {
  if (value === undefined) return WHOLE_RUN;
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index >= 1 && index <= count)) throw new UsageError(`--shard wants K/N with 1 <= K <= N (e.g. 2/4), got '${value}'`);
  return { index, count };
}

/** The sample indices in `0 .. samples - 1` that belong to `shard`, ascending; round robin, so shards stay even as samples grow. */
export function shardIndices(samples: number, shard: Shard): number[] {
  const out: number[] = [];
  for (let i = shard.index - 1; i < samples; i += shard.count) out.push(i);
  return out;
}

export function shardLabel(shard: Shard): string {
  return `${shard.index}/${shard.count}`;
}
