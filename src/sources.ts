import { FormatError } from './errors.js';
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
      return f instanceof Uint8Array ? f : new Uint8Array(f);
    };
  }
  const urlOf = (name: string) => ('urls' in source ? source.urls[name] : new URL(name, source.baseUrl).href);
  return async (name) => {
    const url = urlOf(name);
    if (!url) throw new FormatError(name, 'no URL given for this model file');
    const res = await fetchFn(url);
    if (!res.ok) throw new FormatError(url, `HTTP ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  };
}
