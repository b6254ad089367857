import type { OptionalFileSource } from '../src/browser.js';

/** Picked files by base name: a folder pick names them "folder/sub/file". */
export function filesByName(list: FileList | null): Map<string, File> {
  const files = new Map<string, File>();
  for (const file of list ?? []) files.set(file.name, file);
  return files;
}

export function pickedFileReader(files: Map<string, File>): OptionalFileSource {
  return async (name) => {
    const file = files.get(name);
    return file ? new Uint8Array(await file.arrayBuffer()) : undefined;
  };
}

/** Reads files of a served folder; a 404 means the folder has no such file. */
export function folderUrlReader(folderUrl: string): OptionalFileSource {
  const base = new URL(folderUrl.endsWith('/') ? folderUrl : `${folderUrl}/`, location.href);
  return async (name) => {
    const response = await fetch(new URL(name, base));
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`${response.url}: HTTP ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  };
}
