import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeNpy } from '../../src/io/npy.js';
import { writeTinyModel } from '../helpers/tiny-model.js';
import { runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'mg3d-shard-'));
const model = join(root, 'model');
writeTinyModel(model);
afterAll(() => rmSync(root, { recursive: true, force: true }));

const RANDOM = 'ABS_f_D=0.3:0.6,CT_f_D_tort1=0.1:0.2,CT_f_A_tort1=0.5:0.9';
const generate = (out: string, ...args: string[]) => runCli(['generate', '--model', model, '--random', RANDOM, '--seed', '11', '--out', out, ...args]);

/** Every file but the records that hold timings and adapters, byte for byte. */
function contents(dir: string): Record<string, Buffer> {
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => !f.startsWith('run.') && !f.startsWith('samples.'))
      .map((f) => [f, readFileSync(join(dir, f))]),
  );
}

const samplesOf = (dir: string) =>
  (JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).samples as { index: number; context: number[]; features: number[]; files: string[] }[]).map(
    ({ index, context, features, files }) => ({ index, context, features, files }),
  );

describe('mg3d generate --shard', () => {
  // Four processes on the GPU at once: minutes on a busy 2-core machine.
  it('three shard processes fill one folder with what one process writes', { timeout: 900_000 }, async () => {
    const single = join(root, 'single');
    const sharded = join(root, 'sharded');
    expect((await generate(single, '--samples', '4', '--batch', '2')).code).toBe(0);
    const shards = await Promise.all([1, 2, 3].map((k) => generate(sharded, '--samples', '4', '--shard', `${k}/3`)));
    for (const r of shards) expect(r.code, r.stderr).toBe(0);
    expect(shards.filter((r) => r.stdout.includes('all 3 shards done: 4 samples in'))).toHaveLength(1);

    const a = contents(single);
    const b = contents(sharded);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const [name, bytes] of Object.entries(a)) expect(bytes.equals(b[name]!), name).toBe(true);
    expect(samplesOf(sharded)).toEqual(samplesOf(single));
    const record = JSON.parse(readFileSync(join(sharded, 'run.json'), 'utf8'));
    expect(record.complete).toBe(true);
    expect(record.processes.map((p: { shard: string }) => p.shard)).toEqual(['1/3', '2/3', '3/3']);
    expect(readdirSync(sharded).filter((f) => f.startsWith('.mg3d-lock'))).toEqual([]);

    // A shard of another split, or of other settings, is refused.
    const other = await generate(sharded, '--samples', '4', '--shard', '1/2', '--resume');
    expect(other.stderr).toMatch(/^mg3d: generate: .*sharded holds a run made in 3 shards|is a shard of 3, not of 2/);
    expect(other.code).toBe(2);
  });

  it('a second process on a locked folder gets one line naming the holder', { timeout: 600_000 }, async () => {
    const out = join(root, 'locked');
    let ended = false;
    const first = generate(out, '--samples', '2').finally(() => (ended = true));
    while (!existsSync(join(out, '.mg3d-lock')) && !ended) await new Promise((r) => setTimeout(r, 20));
    const second = await generate(out, '--samples', '2');
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/^mg3d: generate: .*locked is in use by mg3d generate \(pid \d+ on .+, since .+\); wait for it to end, or use another --out\n$/);
    expect((await first).code).toBe(0);
  });

  it('fails before the model loads on a bad --out, and leaves no empty folder behind', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    for (const [out, message] of [
      [file, `--out ${file} is a file, not a folder`],
      [join(file, 'sub'), `--out ${join(file, 'sub')}: cannot create the folder: a parent is not a directory`],
      // A parent nobody may write to, even root (for whom permissions do not apply): EPERM as root, EACCES otherwise.
      ['/sys/mg3d-test/run', '--out /sys/mg3d-test/run: cannot create the folder: (operation not permitted|permission denied)'],
    ]) {
      const r = await runCli(['generate', '--model', join(root, 'no-model'), '--context', '0.5,0.2,0.2', '--out', out!]);
      expect(r.stderr).toMatch(new RegExp(`^mg3d: ${message!.replaceAll('/', '\\/')}\n$`));
      expect(r.code).toBe(2);
    }
    const fresh = join(root, 'fresh', 'deeper');
    const missing = await runCli(['generate', '--model', join(root, 'no-model'), '--context', '0.5,0.2,0.2', '--out', fresh]);
    expect(missing.code).toBe(2);
    expect(existsSync(join(root, 'fresh'))).toBe(false);
  });

  it('refuses a phase-label volume as --from input', async () => {
    const labels = join(root, 'labels.npy');
    writeFileSync(labels, writeNpy([32, 32, 32], Float32Array.from({ length: 32 ** 3 }, (_, i) => i % 3)));
    const r = await runCli(['generate', '--model', model, '--from', labels, '--out', join(root, 'from-labels')]);
    expect(r.stderr).toMatch(/--from: .*labels\.npy holds 2, outside \[0, 1\], .*labels 0, 1, 2/);
    expect(r.code).toBe(2);
    expect(existsSync(join(root, 'from-labels'))).toBe(false);
  });
});
