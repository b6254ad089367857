import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { UsageError } from '../errors.js';

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

const FS_ERROR_TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a parent is not a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return (code !== undefined && FS_ERROR_TEXT[code]) || String((error as Error).message ?? error).split('\n')[0]!;
}
