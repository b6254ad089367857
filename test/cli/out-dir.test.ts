import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OutDir } from '../../src/cli/out-dir.js';
import { parseShard, shardIndices, WHOLE_RUN } from '../../src/cli/shard.js';

const root = mkdtempSync(join(tmpdir(), 'mg3d-outdir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('the output folder lock', () => {
  it('creates the folder, refuses a second holder naming the first, and frees it on release', () => {
    const dir = join(root, 'a', 'b');
    const warnings: string[] = [];
    const first = OutDir.open(dir, WHOLE_RUN, (l) => warnings.push(l));
    const lock = JSON.parse(readFileSync(join(dir, '.mg3d-lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, host: hostname(), shard: '1/1' });
    expect(() => OutDir.open(dir, WHOLE_RUN, () => {})).toThrow(new RegExp(`${dir} is in use by mg3d generate \\(pid ${process.pid} on ${hostname()}, since `));
    // Shards exclude an unsharded run too.
    expect(() => OutDir.open(dir, { index: 1, count: 2 }, () => {})).toThrow(/is in use by mg3d generate/);
    first.release();
    // Nothing was written: the folders this process created are gone again.
    expect(existsSync(join(root, 'a'))).toBe(false);
    expect(warnings).toEqual([]);
  });

  it('takes over the lock of a process that is gone', () => {
    const dir = join(root, 'stale');
    mkdirSync(dir);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    writeFileSync(join(dir, '.mg3d-lock'), JSON.stringify({ pid: Number(dead), host: hostname(), started: '2026-01-01T00:00:00.000Z', shard: '1/1' }));
    const warnings: string[] = [];
    const out = OutDir.open(dir, WHOLE_RUN, (l) => warnings.push(l));
    expect(warnings).toEqual([`warning: removing the stale lock of mg3d generate (pid ${dead} on ${hostname()}, since 2026-01-01T00:00:00.000Z) (that process is gone)`]);
    writeFileSync(join(dir, 'kept.txt'), 'x');
    out.release();
    expect(readdirSync(dir)).toEqual(['kept.txt']);
  });

  it('lets the shards of one run share a folder, each holding its own lock', () => {
    const dir = join(root, 'shards');
    const a = OutDir.open(dir, { index: 1, count: 2 }, () => {});
    const b = OutDir.open(dir, { index: 2, count: 2 }, () => {});
    expect(() => OutDir.open(dir, { index: 2, count: 2 }, () => {})).toThrow(/in use by mg3d generate shard 2\/2/);
    expect(() => OutDir.open(dir, WHOLE_RUN, () => {})).toThrow(/in use by mg3d generate shard 1\/2/);
    a.release();
    b.release();
  });

  it('refuses an --out that is a file or lies under one', () => {
    const file = join(root, 'file');
    writeFileSync(file, '');
    expect(() => OutDir.open(file, WHOLE_RUN, () => {})).toThrow(`--out ${file} is a file, not a folder`);
    expect(() => OutDir.open(join(file, 'sub'), WHOLE_RUN, () => {})).toThrow(`--out ${join(file, 'sub')}: cannot create the folder: a parent is not a directory`);
  });
});

describe('--shard', () => {
  it('parses K/N and deals samples round robin', () => {
    expect(parseShard(undefined)).toEqual(WHOLE_RUN);
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['0/3', '4/3', '1', '1/0', 'a/b', '-1/2']) expect(() => parseShard(bad)).toThrow(/--shard wants K\/N with 1 <= K <= N/);
    expect(shardIndices(7, { index: 2, count: 3 })).toEqual([1, 4]);
    expect([1, 2, 3].flatMap((index) => shardIndices(7, { index, count: 3 })).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});
