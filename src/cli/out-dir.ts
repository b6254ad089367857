import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { describeFsError } from '../io/node-files.js';
import type { Shard } from './shard.js';

/** Who holds an output folder (or one shard of it). */
interface LockHolder {
  pid: number;
  host: string;
  started: string;
  shard: string;
}

const LOCK_PREFIX = '.mg3d-lock';

function lockName(shard: Shard): string {
  return shard.count === 1 ? LOCK_PREFIX : `${LOCK_PREFIX}.shard-${shard.index}-of-${shard.count}`;
}

/**
 * An output folder taken for one generate process: created (with any missing
 * parents) and locked before the model loads, so that an unwritable --out
 * fails at once and two processes never write one run. The lock is a file
 * created with O_EXCL holding pid, host and start time; a lock whose pid is
 * gone on this host is stale and taken over. Shards of one run lock their
 * own shard; an unsharded run and shards exclude each other.
 */
export class OutDir {
  private released = false;

  private constructor(
    readonly path: string,
    private readonly lockPath: string,
    /** The topmost folder this process created, removed again if the run ends with nothing in it. */
    private readonly created: string | undefined,
  ) {}

  static open(path: string, shard: Shard, warn: (line: string) => void): OutDir {
    const created = createFolder(path);
    const lockPath = join(path, lockName(shard));
    try {
      for (const other of readdirSync(path).filter((f) => f.startsWith(LOCK_PREFIX) && f !== lockName(shard))) {
        const conflicts = shard.count === 1 || other === LOCK_PREFIX;
        const holder = conflicts ? liveHolder(join(path, other), warn) : undefined;
        if (holder) throw new UsageError(`generate: ${path} is in use by ${describeHolder(holder)}; wait for it to end, or use another --out`);
      }
      takeLock(lockPath, shard, warn);
    } catch (e) {
      removeEmpty(created, path);
      throw e;
    }
    return new OutDir(path, lockPath, created);
  }

  /** Drops the lock, and removes the folders this process created if nothing was written to them. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      unlinkSync(this.lockPath);
    } catch {
      // Already gone: nothing to release.
    }
    removeEmpty(this.created, this.path);
  }
}

function createFolder(path: string): string | undefined {
  if (existsSync(path) && !statSync(path).isDirectory()) throw new UsageError(`--out ${path} is a file, not a folder`);
  try {
    return mkdirSync(path, { recursive: true });
  } catch (error) {
    throw new UsageError(`--out ${path}: cannot create the folder: ${describeFsError(error)}`);
  }
}

function takeLock(lockPath: string, shard: Shard, warn: (line: string) => void): void {
  const holder: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString(), shard: `${shard.index}/${shard.count}` };
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(lockPath, 'wx');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new UsageError(`--out ${dirname(lockPath)}: cannot write there: ${describeFsError(error)}`);
      const other = liveHolder(lockPath, warn);
      if (other) throw new UsageError(`generate: ${dirname(lockPath)} is in use by ${describeHolder(other)}; wait for it to end, or use another --out`);
      if (attempt > 0) throw new UsageError(`generate: cannot take the lock ${lockPath}: it keeps coming back`);
      continue;
    }
    try {
      writeSync(fd, JSON.stringify(holder) + '\n');
    } finally {
      closeSync(fd);
    }
    return;
  }
}

/** The holder of a lock file if it may still be running; a stale lock (its pid gone on this host) is removed. */
function liveHolder(lockPath: string, warn: (line: string) => void): LockHolder | undefined {
  let holder: LockHolder;
  try {
    holder = JSON.parse(readFileSync(lockPath, 'utf8')) as LockHolder;
  } catch {
    // Unreadable or half-written (its writer died between create and write): only this host's pids can be checked, so keep it.
    return { pid: NaN, host: 'unknown', started: 'unknown', shard: 'unknown' };
  }
  if (holder.host !== hostname() || processAlive(holder.pid)) return holder;
  warn(`warning: removing the stale lock of ${describeHolder(holder)} (that process is gone)`);
  try {
    unlinkSync(lockPath);
  } catch {
    // Another process removed it first.
  }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function describeHolder(h: LockHolder): string {
  return `mg3d generate${h.shard === '1/1' ? '' : ` shard ${h.shard}`} (pid ${h.pid} on ${h.host}, since ${h.started})`;
}

/** Removes `path` and its parents up to `top` while they are empty folders this process created. */
function removeEmpty(top: string | undefined, path: string): void {
  if (!top) return;
  const last = resolve(top);
  for (let dir = resolve(path); dir.startsWith(last); dir = dirname(dir)) {
    try {
      rmdirSync(dir);
    } catch {
      return;
    }
    if (dir === last) return;
  }
}
