import { UsageError } from '../errors.js';
import { splitList } from './args.js';
import type { ModelConfig } from '../models/config.js';

export interface ContextRange {
  name: string;
  low: number;
  high: number;
}

/** Parses "A=0.4:0.6,B=0.1:0.3" for the flag `flag`, accepting only names in `allowed`. */
export function parseRanges(flag: string, spec: string, allowed: readonly string[]): Map<string, [number, number]> {
  const given = new Map<string, [number, number]>();
  for (const part of splitList(flag, spec)) {
    const m = /^([^=]+)=([^:]+):(.+)$/.exec(part);
    const low = m ? Number(m[2]) : NaN;
    const high = m ? Number(m[3]) : NaN;
    if (!m || !Number.isFinite(low) || !Number.isFinite(high) || low > high) {
      throw new UsageError(`--${flag}: '${part}' is not NAME=LOW:HIGH with LOW <= HIGH`);
    }
    const name = m[1].trim();
    if (!allowed.includes(name)) throw new UsageError(`--${flag}: '${name}' is not one of ${allowed.join(', ')}`);
    given.set(name, [low, high]);
  }
  return given;
}

/** Parses --random into one range per context attribute, in context order. */
export function parseRandomSpec(spec: string, config: ModelConfig): ContextRange[] {
  const given = parseRanges('random', spec, config.contextAttributes);
  const missing = config.contextAttributes.filter((a) => !given.has(a));
  if (missing.length) throw new UsageError(`--random: no range for ${missing.join(', ')}; expected NAME=LOW:HIGH for ${config.contextAttributes.join(', ')}`);
  return config.contextAttributes.map((name) => ({ name, low: given.get(name)![0], high: given.get(name)![1] }));
}

/**
 * A uniform draw in [low, high] that depends only on (seed, sample, attribute),
 * so a resumed run or another batch size draws the same contexts.
 */
export function randomContext(ranges: readonly ContextRange[], seed: number, sample: number): number[] {
  return ranges.map((r, k) => r.low + (r.high - r.low) * hashUniform(seed, sample, k));
}

function hashUniform(seed: number, sample: number, k: number): number {
  let h = Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(sample + 1, 0xc2b2ae35) ^ Math.imul(k + 1, 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967295;
}
