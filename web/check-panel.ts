import { checkFixture, type OptionalFileSource, type Runtime, type TensorCheck } from '../src/browser.js';
import { byId, errorText, setStatus } from './dom.js';

/** What PyTorch's own float32 reaches on each tensor, from the fixture's config.json. */
type TorchFloor = Record<string, number>;

/** `mg3d check` in the page: runs a fixture folder's cases and lists each tensor's relative error. */
export class CheckPanel {
  private readonly status = byId('check-status', HTMLElement);
  private readonly body = byId('check-results', HTMLTableElement).tBodies[0]!;
  private readonly runButton = byId('fixture-run', HTMLButtonElement);

  constructor(private readonly runtime: Runtime) {}

  /** The cases typed in the page (empty: all of them). */
  get chosenCases(): string[] {
    return byId('fixture-cases', HTMLInputElement)
      .value.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  }

  async run(read: OptionalFileSource, folder: string): Promise<void> {
    const tolerance = Number(byId('fixture-tolerance', HTMLInputElement).value) || 1e-4;
    const cases = this.chosenCases;
    this.body.replaceChildren();
    this.runButton.disabled = true;
    setStatus(this.status, 'running', `Checking ${folder}${cases.length ? ` (cases ${cases.join(', ')})` : ''} on ${this.runtime.adapterName}…`);
    const started = performance.now();
    try {
      const floor = await torchFloor(read);
      const results = await checkFixture(this.runtime, read, {
        cases: cases.length ? cases : undefined,
        onResult: (r) => this.body.append(resultRow(r, floor[r.name], tolerance)),
        onProgress: (message) => setStatus(this.status, 'running', message),
      });
      const max = Math.max(...results.map((r) => r.relativeError));
      const failed = results.filter((r) => !(r.relativeError <= tolerance)).length;
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      setStatus(
        this.status,
        'done',
        `${folder}: max relative error ${max.toExponential(3)} over ${results.length} tensors` +
          `${failed ? `, ${failed} over the tolerance ${tolerance}` : `, all within ${tolerance}`} (${seconds} s, ${this.runtime.adapterName})`,
      );
    } catch (error) {
      setStatus(this.status, 'error', `${folder}: ${errorText(error)}`);
    } finally {
      this.runButton.disabled = false;
    }
  }
}

function resultRow(r: TensorCheck, floor: number | undefined, tolerance: number): HTMLTableRowElement {
  const row = document.createElement('tr');
  row.dataset.tensor = r.name;
  row.dataset.error = String(r.relativeError);
  const cells = [r.name, r.relativeError.toExponential(3), floor === undefined ? '' : floor.toExponential(3), r.relativeError <= tolerance ? 'ok' : 'FAIL'];
  for (const text of cells) {
    const cell = document.createElement('td');
    cell.textContent = text;
    row.append(cell);
  }
  row.classList.toggle('fail', !(r.relativeError <= tolerance));
  return row;
}

async function torchFloor(read: OptionalFileSource): Promise<TorchFloor> {
  const bytes = await read('config.json');
  if (!bytes) return {};
  const config = JSON.parse(new TextDecoder().decode(bytes)) as { torch_fp32_rel_err_vs_fp64?: TorchFloor };
  return config.torch_fp32_rel_err_vs_fp64 ?? {};
}
