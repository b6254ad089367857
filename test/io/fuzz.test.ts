import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { formatCsv, parseCsv } from '../../src/io/csv.js';
import { writeNpy, readNpy } from '../../src/io/npy.js';
import { unpickle } from '../../src/io/pickle.js';
import { readSafetensors, writeSafetensors } from '../../src/io/safetensors.js';
import { readTorchCheckpoint } from '../../src/io/torch-checkpoint.js';
import { readVti, writeVti } from '../../src/io/vti.js';
import { readZip } from '../../src/io/zip.js';
import { readModelConfig } from '../../src/models/model.js';
import { fileSource } from '../../src/sources.js';
import { fuzz, mutatedFiles } from './fuzz-harness.js';
import { torchCheckpointEntries } from './torch-writer.js';
import { buildZip } from './zip-writer.js';

/** Cases per reader: 4,000 in all, a few seconds on a slow machine. */
const RUNS = 500;
const TIMEOUT_MS = 60_000;
const bytesLength = (bytes: Uint8Array) => bytes.length;

const realCheckpoint = new Uint8Array(readFileSync(new URL('../fixtures/fp-ch.pt', import.meta.url)));
const storage = Float32Array.from({ length: 24 }, (_, i) => i / 7);
const stateDict = new Map<string, { storage: Float32Array; offset: number; shape: number[]; stride: number[] }>([
  ['w', { storage, offset: 0, shape: [2, 3, 4], stride: [12, 4, 1] }],
  ['wt', { storage, offset: 0, shape: [4, 6], stride: [1, 4] }],
  ['b', { storage: Float32Array.of(1, 2), offset: 1, shape: [], stride: [] }],
]);
const entries = torchCheckpointEntries(stateDict);
const pickleBytes = entries[0]!.data;

describe('readers under fuzzing (seeded fast-check: only FormatError, bounded time and memory)', () => {
  it('zip', async () => {
    const sources = [
      { name: 'a/data.pkl', data: new TextEncoder().encode('pickle bytes') },
      { name: 'a/data/0', data: Uint8Array.from({ length: 64 }, (_, i) => i) },
    ];
    const seeds = [buildZip(sources), buildZip(sources, { zip64: true, dataDescriptor: true }), realCheckpoint];
    await fuzz(mutatedFiles(seeds), bytesLength, (bytes) => readZip(bytes, 'x.zip'), RUNS);
  }, TIMEOUT_MS);

  it('pickle', async () => {
    const realPickle = readZip(realCheckpoint, 'fp-ch.pt').find((entry) => entry.name.endsWith('data.pkl'))!.data.slice();
    await fuzz(mutatedFiles([pickleBytes, realPickle]), bytesLength, (bytes) => unpickle(bytes, 'x.pkl', (id) => id), RUNS);
  }, TIMEOUT_MS);

  it('torch checkpoint (the archive mutated, or its pickle and storages re-zipped with valid CRCs)', async () => {
    const rezipped = fc
      .tuple(mutatedFiles([pickleBytes]), fc.integer({ min: 0, max: 3 }))
      .map(([pickle, dropped]) => buildZip([{ ...entries[0]!, data: pickle }, ...entries.slice(1).filter((_, i) => i !== dropped)]));
    const inputs = fc.oneof(mutatedFiles([buildZip(entries), realCheckpoint]), rezipped);
    await fuzz(inputs, bytesLength, (bytes) => readTorchCheckpoint(bytes, 'x.pt'), RUNS);
  }, TIMEOUT_MS);

  it('safetensors', async () => {
    const tensors: [string, { shape: number[]; data: Float32Array }][] = [
      ['a', { shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) }],
      ['0', { shape: [], data: Float32Array.of(7) }],
    ];
    const seeds = [writeSafetensors(tensors, { source: 'x' }), writeSafetensors(tensors)];
    await fuzz(mutatedFiles(seeds), bytesLength, (bytes) => readSafetensors(bytes, 'x.safetensors'), RUNS);
  }, TIMEOUT_MS);

  it('npy', async () => {
    const seeds = [writeNpy([2, 3, 4], storage), writeNpy([5], Uint8Array.of(0, 1, 2, 3, 4))];
    await fuzz(mutatedFiles(seeds), bytesLength, (bytes) => readNpy(bytes, 'x.npy'), RUNS);
  }, TIMEOUT_MS);

  it('vti', async () => {
    const ascii = new TextEncoder().encode(
      '<?xml version="1.0"?>\n<VTKFile type="ImageData" version="1.0" byte_order="LittleEndian">\n' +
        '<ImageData WholeExtent="0 1 0 1 0 0" Origin="0 0 0" Spacing="1 1 1"><Piece Extent="0 1 0 1 0 0">\n' +
        '<PointData Scalars="phi"><DataArray type="Float64" Name="phi" format="ascii">0 1 0.5 1e-3</DataArray></PointData>\n' +
        '</Piece></ImageData></VTKFile>\n',
    );
    const seeds = [writeVti([2, 3, 4], storage, 'volume'), writeVti([2, 2, 1], Uint8Array.of(0, 1, 1, 0), 'phase'), ascii];
    await fuzz(mutatedFiles(seeds), bytesLength, (bytes) => readVti(bytes, 'x.vti'), RUNS);
  }, TIMEOUT_MS);

  it('csv (the run folder tables mg3d report reads)', async () => {
    const seeds = [formatCsv(['index', 'a "quoted", name', 'b'], [[0, 0.5, 1e-7], [1, -2, 3]]), formatCsv(['x'], [])].map((text) => new TextEncoder().encode(text));
    await fuzz(mutatedFiles(seeds), bytesLength, (bytes) => parseCsv(new TextDecoder().decode(bytes), 'x.csv'), RUNS);
  }, TIMEOUT_MS);

  it('model.json (bytes mutated, or a field replaced by any JSON value)', async () => {
    const config: Record<string, unknown> = {
      format: 'mg3d-model',
      version: 1,
      variant: 'fuzz',
      imageShape: [1, 32, 32, 32],
      latentShape: [1, 4, 4, 4],
      firstLayerDownsample: true,
      vaeMaxChannels: 16,
      nFeat: 8,
      timesteps: 50,
      attributes: ['a', 'b'],
      contextAttributes: ['b'],
      attributeRanges: { a: [0, 1] },
      files: { vae: 'vae.safetensors', ddpm: 'ddpm.safetensors' },
    };
    const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
    const replaced = fc
      .tuple(fc.constantFrom(...Object.keys(config), 'files.vae'), fc.jsonValue({ maxDepth: 3 }))
      .map(([key, value]) =>
        encode(key === 'files.vae' ? { ...config, files: { vae: value } } : { ...config, [key]: value }),
      );
    const inputs = fc.oneof(mutatedFiles([encode(config)]), replaced);
    await fuzz(inputs, bytesLength, (bytes) => readModelConfig(fileSource(new Map([['model.json', bytes]]))), RUNS);
  }, TIMEOUT_MS);
});
