import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { readFileBytes, writeFileAtomic } from '../../src/io/node-files.js';

const directory = mkdtempSync(join(tmpdir(), 'mg3d-io-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('writeFileAtomic', () => {
  it('writes bytes and text, replacing an existing file, leaving no temporary behind', async () => {
    const path = join(directory, 'out.bin');
    writeFileSync(path, 'old content');
    await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
    await writeFileAtomic(join(directory, 'out.csv'), 'a,b\n1,2\n');
    expect(readFileSync(join(directory, 'out.csv'), 'utf8')).toBe('a,b\n1,2\n');
    expect(readdirSync(directory).sort()).toEqual(['out.bin', 'out.csv']);
  });

  it('fails with one line naming the path, and cleans up', async () => {
    const path = join(directory, 'missing-dir', 'out.bin');
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(new UsageError(`cannot write ${path}: no such file or directory`));
    // The rename fails after the temporary file was written: it must be removed.
    const ontoDirectory = join(directory, 'a-directory');
    mkdirSync(ontoDirectory);
    await expect(writeFileAtomic(ontoDirectory, 'x')).rejects.toThrow(UsageError);
    rmSync(ontoDirectory, { recursive: true });
    expect(readdirSync(directory).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});

describe('readFileBytes', () => {
  it('reads a whole file as a plain Uint8Array', async () => {
    const path = join(directory, 'in.bin');
    writeFileSync(path, Uint8Array.of(9, 8, 7));
    const bytes = await readFileBytes(path);
    expect(Object.getPrototypeOf(bytes)).toBe(Uint8Array.prototype);
    expect([...bytes]).toEqual([9, 8, 7]);
  });

  it('turns a missing file into one line naming the path', async () => {
    const path = join(directory, 'nope.pt');
    await expect(readFileBytes(path)).rejects.toThrow(new UsageError(`cannot read ${path}: no such file or directory`));
    await expect(readFileBytes(directory)).rejects.toThrow(`cannot read ${directory}: is a directory`);
  });
});
