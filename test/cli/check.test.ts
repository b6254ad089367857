import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkCommand, checkVerdict } from '../../src/cli/check-command.js';
import { readTorchCheckpoint } from '../../src/io/torch-checkpoint.js';
import { useRuntime } from '../helpers/gpu.js';
import { writeTorchCheckpoint } from '../io/torch-writer.js';

const SOURCE = fileURLToPath(new URL('../../../shared/fixtures/unet-ch/', import.meta.url));
const present = existsSync(SOURCE);
if (!present) console.warn(`mg3d check CLI tests skipped: ${SOURCE} not found`);

describe('mg3d check verdict', () => {
  it('names the tolerance, and a NaN error fails', () => {
    const bar = (name: string) => (name.startsWith('unet') ? 3e-3 : 1e-4);
    expect(checkVerdict([{ name: 'unet.out', relativeError: 1e-3 }, { name: 'decoder.out', relativeError: 2e-5 }], bar)).toEqual({
      lines: ['max relative error 1.000e-3 over 2 tensors', 'PASSED: 2 tensors within 1e-4 / 3e-3'],
      ok: true,
    });
    expect(checkVerdict([{ name: 'unet.out', relativeError: NaN }, { name: 'decoder.out', relativeError: 2e-5 }, { name: 'fp.out', relativeError: 1 }], bar)).toEqual({
      lines: ['max relative error NaN over 3 tensors', 'FAILED: 2 of 3 tensors above 1e-4 / 3e-3'],
      ok: false,
    });
  });
});

describe.skipIf(!present)('mg3d check', () => {
  const rt = useRuntime();
  // The fixture with ddpm.pt re-saved as from a GPU: storages at 'cuda:0', another archive prefix.
  const dir = mkdtempSync(join(tmpdir(), 'mg3d-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  if (present) {
    for (const f of ['config.json', 'cases.safetensors']) copyFileSync(join(SOURCE, f), join(dir, f));
    const tensors = readTorchCheckpoint(new Uint8Array(readFileSync(join(SOURCE, 'ddpm.pt'))), 'ddpm.pt');
    writeFileSync(join(dir, 'ddpm.pt'), writeTorchCheckpoint(tensors, { location: 'cuda:0', prefix: 'saved_on_gpu' }));
  }

  const check = async (flags: { tolerance?: string; cases?: string }) => {
    const lines: string[] = [];
    const code = await checkCommand(rt(), { positional: [dir], ...flags }, { out: (l) => lines.push(l), warn: (l) => lines.push(l) }, () => {});
    return { code, lines };
  };

  it('runs a GPU-saved checkpoint within 1e-5 and ends with the summary line', async () => {
    const { code, lines } = await check({ cases: 'unet' });
    expect(code).toBe(0);
    expect(lines[0]).toMatch(/^adapter: /);
    expect(lines[1]).toMatch(/^unet\.out\s+\d\.\d{3}e-\d+$/);
    const m = /^max relative error (\S+) over 1 tensor$/.exec(lines[lines.length - 2]);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(1e-5);
    expect(lines[lines.length - 1]).toBe('PASSED: 1 tensor within 1e-4');
  });

  it('exits 1 and marks the tensor when over the tolerance', async () => {
    const { code, lines } = await check({ cases: 'unet', tolerance: '1e-12' });
    expect(code).toBe(1);
    expect(lines[1]).toMatch(/FAIL$/);
    expect(lines[lines.length - 1]).toBe('FAILED: 1 of 1 tensor above 1e-12');
  });

  it('rejects a case the folder does not have', async () => {
    await expect(check({ cases: 'decoder' })).rejects.toThrow(/cases\.safetensors: has no case decoder \(it has unet, sample\)/);
  });
});
