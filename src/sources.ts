import { FormatError, quote } from './errors.js';
import { concatBytes } from './io/concat-bytes.js';
import { checkModelFileSize, modelFileLimit } from './io/model-files.js';
import type { FileSource } from './models/model.js';

/** Where a converted model's files come from, in any JS environment. */
export type ModelSource =
  /** Base URL of a model folder (ends with '/'). */
  | { baseUrl: string }
  /** One URL per file name (model.json, vae.safetensors, ...). */
  | { urls: Record<string, string> }
  /** File contents by name, e.g. from a file picker. */
  | Map<string, Uint8Array | ArrayBuffer>;

export function fileSource(source: ModelSource, fetchFn: typeof fetch = fetch): FileSource {
  if (source instanceof Map) {
    return async (name) => {
      const f = source.get(name);
      if (!f) throw new FormatError(name, 'not among the given model files');
      checkModelFileSize(name, f.byteLength, name);
      return f instanceof Uint8Array ? f : new Uint8Array(f);
    };
  }
  const urlOf = (name: string) => ('urls' in source ? source.urls[name] : new URL(name, source.baseUrl).href);
  return async (name) => {
    const url = urlOf(name);
    if (!url) throw new FormatError(name, 'no URL given for this model file');
    const res = await fetchFn(url);
    if (!res.ok) throw new FormatError(url, `HTTP ${res.status} ${quote(res.statusText)}`);
    return readBody(res, name, url);
  };
}

/** Reads a response body, refusing it by its Content-Length, or as soon as it outgrows the limit. */
async function readBody(res: Response, name: string, url: string): Promise<Uint8Array> {
  const declared = res.headers.get('content-length');
  if (declared !== null) checkModelFileSize(name, Number(declared), url);
  if (res.body === null) return new Uint8Array(await res.arrayBuffer());
  const limit = modelFileLimit(name);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return concatBytes(chunks);
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      checkModelFileSize(name, size, url);
    }
    chunks.push(value);
  }
}
