/**
 * Property-based fuzzing of the file readers with fast-check: seeded, so that a
 * failure names a case that reproduces. Each case mutates a valid file (bit flips,
 * interesting integers, truncation, insertion, deletion, a chunk repeated many
 * times) and the reader must either accept it or throw a one-line FormatError,
 * within a time bound and without holding more memory than a small multiple of
 * the input.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { FormatError } from '../../src/errors.js';

const SEED = 0x6d673364;
/** Generous for a loaded 2-core machine (load 24 seen); a real reader answers these in milliseconds. */
const MAX_CASE_MS = 3_000;
/** Array-buffer bytes a case may leave allocated per input byte: a UInt8 volume becomes float32 (4x), copied once for its layout. */
const MEMORY_FACTOR = 16;
const MEMORY_SLACK_BYTES = 1 << 20;
const MAX_MESSAGE_CHARACTERS = 600;

type Mutation = (bytes: Uint8Array) => Uint8Array;

const INTERESTING_U32 = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff];

/** A position as a fraction of the length, so that one arbitrary fits inputs of any size. */
const at = (fraction: number, length: number) => Math.min(length, Math.floor(fraction * length));
const fraction = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fraction, fc.integer({ min: 0, max: 7 })).map(([where, bit]): Mutation => (bytes) => {
    const out = bytes.slice();
    if (out.length > 0) out[at(where, out.length - 1)]! ^= 1 << bit;
    return out;
  }),
  fc.tuple(fraction, fc.integer({ min: 0, max: 255 })).map(([where, value]): Mutation => (bytes) => {
    const out = bytes.slice();
    if (out.length > 0) out[at(where, out.length - 1)] = value;
    return out;
  }),
  fc.tuple(fraction, fc.constantFrom(...INTERESTING_U32)).map(([where, value]): Mutation => (bytes) => {
    const out = bytes.slice();
    if (out.length >= 4) new DataView(out.buffer).setUint32(at(where, out.length - 4), value, true);
    return out;
  }),
  fraction.map((where): Mutation => (bytes) => bytes.slice(0, at(where, bytes.length))),
  fc.tuple(fraction, fc.uint8Array({ maxLength: 32 })).map(([where, inserted]): Mutation => (bytes) => splice(bytes, at(where, bytes.length), 0, inserted)),
  fc.tuple(fraction, fc.integer({ min: 1, max: 64 })).map(([where, count]): Mutation => (bytes) => {
    const start = at(where, bytes.length);
    return splice(bytes, start, count, new Uint8Array(0));
  }),
  // A chunk repeated thousands of times: what exposes superlinear parsing.
  fc.tuple(fraction, fc.integer({ min: 1, max: 16 }), fc.integer({ min: 100, max: 20_000 })).map(([where, width, times]): Mutation => (bytes) => {
    const start = at(where, bytes.length);
    const chunk = bytes.subarray(start, start + width);
    const repeated = new Uint8Array(chunk.length * times);
    for (let i = 0; i < times; i++) repeated.set(chunk, i * chunk.length);
    return splice(bytes, start, 0, repeated);
  }),
);

function splice(bytes: Uint8Array, start: number, deleteCount: number, inserted: Uint8Array): Uint8Array {
  const end = Math.min(bytes.length, start + deleteCount);
  const out = new Uint8Array(bytes.length - (end - start) + inserted.length);
  out.set(bytes.subarray(0, start));
  out.set(inserted, start);
  out.set(bytes.subarray(end), start + inserted.length);
  return out;
}

/** Valid files with 1-6 mutations applied. */
export function mutatedFiles(seeds: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.constantFrom(...seeds), fc.array(mutation, { minLength: 1, maxLength: 6 }))
    .map(([seed, mutations]) => mutations.reduce((bytes, mutate) => mutate(bytes), seed));
}

/** Runs `read` on `runs` generated inputs; see the file comment for what each must satisfy. */
export async function fuzz<T>(inputs: fc.Arbitrary<T>, size: (input: T) => number, read: (input: T) => unknown, runs: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(inputs, async (input) => {
      const buffersBefore = process.memoryUsage().arrayBuffers;
      const started = performance.now();
      let result: unknown;
      try {
        result = await read(input);
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
        expect(error.message).not.toMatch(/[\x00-\x1f\x7f]/);
        expect(error.message.length).toBeLessThan(MAX_MESSAGE_CHARACTERS);
      }
      expect(performance.now() - started).toBeLessThan(MAX_CASE_MS);
      expect(process.memoryUsage().arrayBuffers - buffersBefore).toBeLessThan(MEMORY_FACTOR * size(input) + MEMORY_SLACK_BYTES);
      expect(result === undefined || typeof result === 'object').toBe(true); // `result` stays alive until measured
    }),
    { seed: SEED, numRuns: runs },
  );
}
