import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FormatError } from '../../src/errors.js';
import { checkModelFileName } from '../../src/io/model-files.js';
import { readModelFile } from '../../src/io/node-files.js';
import { readModelConfig } from '../../src/models/model.js';
import { fileSource } from '../../src/sources.js';

const directory = mkdtempSync(join(tmpdir(), 'mg3d-model-files-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

const config = (files: Record<string, unknown>) =>
  new TextEncoder().encode(
    JSON.stringify({
      format: 'mg3d-model',
      version: 1,
      variant: 'test',
      imageShape: [1, 32, 32, 32],
      latentShape: [1, 4, 4, 4],
      attributes: ['a'],
      contextAttributes: ['a'],
      files,
    }),
  );

async function rejection(action: () => Promise<unknown>): Promise<Error> {
  try {
    await action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('model.json files entries', () => {
  it('accepts plain file names', async () => {
    const read = fileSource(new Map([['model.json', config({ vae: 'vae.safetensors', ddpm: 'ddpm_v2-f32.safetensors' })]]));
    expect((await readModelConfig(read)).files.vae).toBe('vae.safetensors');
  });

  it('refuses paths, URLs and odd names before reading anything', async () => {
    const hostile = ['../../dev/zero', '/etc/passwd', 'sub/vae.safetensors', '..', '.hidden', 'C:vae', 'https://evil.example/x', '//evil.example/x', 'a\\b', 'a\nb', '', 'x'.repeat(300), 7];
    for (const name of hostile) {
      const requested: string[] = [];
      const fetchFn = (async (url: string) => {
        requested.push(url);
        return new Response(config({ vae: name }));
      }) as unknown as typeof fetch;
      const error = await rejection(() => readModelConfig(fileSource({ baseUrl: 'https://models.example/ch/' }, fetchFn)));
      expect(error, String(name)).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(/^model\.json: files\.vae .* is not a plain file name inside the model folder$/);
      expect(error.message).not.toContain('\n');
      expect(requested).toEqual(['https://models.example/ch/model.json']);
    }
  });

  it('names the field and quotes the value safely', () => {
    expect(() => checkModelFileName('\x1b[2J../x', 'fp')).toThrow("model.json: files.fp '\\x1b[2J../x' is not a plain file name");
  });
});

describe('readModelFile', () => {
  it('reads a regular file', async () => {
    writeFileSync(join(directory, 'model.json'), '{}');
    expect([...(await readModelFile(directory, 'model.json'))]).toEqual([0x7b, 0x7d]);
  });

  it('refuses devices, pipes and directories, even behind a symlink, without blocking', async () => {
    symlinkSync('/dev/zero', join(directory, 'zero.safetensors'));
    execFileSync('mkfifo', [join(directory, 'fifo.safetensors')]);
    for (const name of ['zero.safetensors', 'fifo.safetensors']) {
      const error = await rejection(() => readModelFile(directory, name));
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe(`${join(directory, name)}: is not a regular file`);
    }
  });

  it('refuses a file above its limit before reading it', async () => {
    const weights = join(directory, 'big.safetensors');
    writeFileSync(weights, '');
    truncateSync(weights, 2 ** 32 + 1); // sparse: nothing is written
    const config = join(directory, 'model.json');
    truncateSync(config, 2 ** 20 + 1);
    const started = performance.now();
    expect((await rejection(() => readModelFile(directory, 'big.safetensors'))).message).toMatch(/big\.safetensors: is 4294967297 bytes, more than the 4294967296 bytes/);
    expect((await rejection(() => readModelFile(directory, 'model.json'))).message).toMatch(/model\.json: is 1048577 bytes, more than the 1048576 bytes a model file named 'model.json' may have/);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('fileSource size limits', () => {
  const tooBig = new Uint8Array(2 ** 20 + 1);

  it('refuses an oversized buffer', async () => {
    const error = await rejection(() => fileSource(new Map([['model.json', tooBig]]))('model.json'));
    expect(error.message).toMatch(/^model\.json: is 1048577 bytes, more than/);
  });

  it('refuses by Content-Length before reading the body, and by counting when there is none', async () => {
    const declared = (async () => new Response('{}', { headers: { 'content-length': String(2 ** 40) } })) as unknown as typeof fetch;
    expect((await rejection(() => fileSource({ urls: { 'model.json': 'https://m.example/a' } }, declared)('model.json'))).message).toMatch(
      /^https:\/\/m\.example\/a: is 1099511627776 bytes, more than/,
    );
    let pulled = 0;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(65536));
      },
    });
    const streaming = (async () => new Response(endless)) as unknown as typeof fetch;
    expect((await rejection(() => fileSource({ baseUrl: 'https://m.example/' }, streaming)('model.json'))).message).toMatch(/is \d+ bytes, more than the 1048576/);
    expect(pulled).toBeLessThan(40);
  });
});
