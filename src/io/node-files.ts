import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError, UsageError } from '../errors.js';
import { checkModelFileSize } from './model-files.js';

/**
 * Replaces `path` only once the new content is fully on disk, so that an
 * interrupted run never leaves a half-written file behind under the real name.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  // Same directory as the target: rename is only atomic within one file system.
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new UsageError(`cannot write ${path}: ${describeFsError(error)}`);
  }
}

/** Reads a whole file; failures become one line naming the path. */
export async function readFileBytes(path: string): Promise<Uint8Array> {
  try {
    const buffer = await readFile(path);
    // A plain view, so that nothing downstream comes to rely on Buffer methods.
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${describeFsError(error)}`);
  }
}

/**
 * Reads one file of a model folder: only a regular file (not a device, pipe or
 * directory, even behind a symlink), and only after its size passed the limit.
 * `name` must already be a plain file name (checkModelFileName).
 */
export async function readModelFile(dir: string, name: string): Promise<Uint8Array> {
  const path = join(dir, name);
  let handle: FileHandle;
  try {
    // Non-blocking, so that opening a FIFO cannot hang before fstat refuses it.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${describeFsError(error)}`);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new FormatError(path, 'is not a regular file');
    checkModelFileSize(name, info.size, path);
    const bytes = new Uint8Array(info.size);
    let filled = 0;
    while (filled < bytes.length) {
      const { bytesRead } = await handle.read(bytes, filled, bytes.length - filled, filled);
      if (bytesRead === 0) throw new FormatError(path, `shrank while being read (${filled} of ${bytes.length} bytes)`);
      filled += bytesRead;
    }
    return bytes;
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw new UsageError(`cannot read ${path}: ${describeFsError(error)}`);
  } finally {
    await handle.close();
  }
}

const FS_ERROR_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && FS_ERROR_TEXT[code]) || String((error as Error).message ?? error).split('\n')[0]!;
}
