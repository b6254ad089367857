import { FormatError, quote } from '../errors.js';

/**
 * A model folder is untrusted input: model.json names its weight files, and those
 * names must stay plain file names inside the folder (no paths, no URLs), and
 * every file read from it has a size limit checked before its bytes are.
 */

export const MODEL_CONFIG_FILE = 'model.json';

/** A config, not data: far above any real model.json (~1 KB). */
const MAX_CONFIG_BYTES = 1 << 20;
/** The published UNet is 575 MiB in f32; 4 GiB is also the most a typed array may hold in Node. */
const MAX_WEIGHTS_BYTES = 2 ** 32;

/** Letters, digits, '_', '-' and '.', not starting with '.', so never '..', a path, a drive or a URL. */
const PLAIN_FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,254}$/;

/** Refuses a model.json `files` entry that is not a plain file name inside the model folder. */
export function checkModelFileName(value: unknown, field: string): void {
  if (typeof value !== 'string' || !PLAIN_FILE_NAME.test(value)) {
    const shown = quote(typeof value === 'string' ? value : String(JSON.stringify(value)));
    throw new FormatError(MODEL_CONFIG_FILE, `files.${field} ${shown} is not a plain file name inside the model folder`);
  }
}

export function modelFileLimit(name: string): number {
  return name === MODEL_CONFIG_FILE ? MAX_CONFIG_BYTES : MAX_WEIGHTS_BYTES;
}

/** `where` is what the error names: the path or URL the file came from. */
export function checkModelFileSize(name: string, size: number, where: string): void {
  const limit = modelFileLimit(name);
  if (size > limit) throw new FormatError(where, `is ${size} bytes, more than the ${limit} bytes a model file named ${quote(name)} may have`);
}
