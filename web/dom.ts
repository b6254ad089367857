/** The element with this id, checked to be of the expected kind. */
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof kind)) throw new Error(`page is missing #${id} (${kind.name})`);
  return element;
}

/** Shows a status line; `state` lands in data-state, where tests wait for it. */
export function setStatus(element: HTMLElement, state: string, text: string): void {
  element.dataset.state = state;
  element.textContent = text;
  element.classList.toggle('error', state === 'error');
}

export function tableRow(cells: readonly (string | number)[], header = false): HTMLTableRowElement {
  const row = document.createElement('tr');
  cells.forEach((value, i) => {
    const cell = document.createElement(header && i === 0 ? 'th' : 'td');
    cell.textContent = String(value);
    if (typeof value === 'number') cell.classList.add('num');
    row.append(cell);
  });
  return row;
}

/** Saves bytes as a file through a temporary object URL. */
export function download(bytes: Uint8Array, fileName: string): void {
  // The copy gives Blob a plain ArrayBuffer-backed view, whatever backs `bytes`.
  const url = URL.createObjectURL(new Blob([new Uint8Array(bytes)], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
