/*
 * The demo page: load a converted model (folder, URL or a random tiny one),
 * set the context, generate with progress and cancel, inspect the result, and
 * check the engine against a parity fixture. Query parameters run things on
 * load: ?model=URL, ?fixture=URL (with &cases=unet,decoder).
 */
import {
  createBrowserRuntime,
  loadModel,
  randomModelFiles,
  type MicroGen3D,
  type ModelSource,
  type Precision,
  type Runtime,
  type SamplerName,
  type SamplerSettings,
} from '../src/browser.js';
import { CheckPanel } from './check-panel.js';
import { contextSliders } from './context-sliders.js';
import { byId, errorText, setStatus } from './dom.js';
import { filesByName, folderUrlReader, pickedFileReader } from './files.js';
import { SampleView } from './sample-view.js';

const NO_WEBGPU =
  'This browser has no WebGPU (navigator.gpu is missing), so the engine cannot run here. Use Chrome or Edge 113+ ' +
  '(Linux: start it with --enable-unsafe-webgpu --enable-features=Vulkan), Safari 26+ or Firefox 141+, and open ' +
  'the page over https or from localhost: WebGPU exists only in secure contexts.';

const modelStatus = byId('model-status', HTMLElement);
const generateStatus = byId('gen-status', HTMLElement);
const generateButton = byId('generate', HTMLButtonElement);
const cancelButton = byId('cancel', HTMLButtonElement);
const progressBar = byId('progress', HTMLProgressElement);
const precisionSelect = byId('precision', HTMLSelectElement);
const samplerSelect = byId('sampler', HTMLSelectElement);
const stepsInput = byId('steps', HTMLInputElement);
/** Loading another model while one generates would free buffers the generation still uses. */
const modelControls = [
  byId('model-files', HTMLInputElement),
  byId('model-url', HTMLInputElement),
  byId('model-url-load', HTMLButtonElement),
  byId('random-model', HTMLButtonElement),
  precisionSelect,
];

/** The runtime every model and check shares, or undefined (with the reason shown) when WebGPU is unusable. */
async function startRuntime(): Promise<Runtime | undefined> {
  const adapterLine = byId('adapter', HTMLElement);
  let problem = NO_WEBGPU;
  if (navigator.gpu) {
    try {
      const runtime = await createBrowserRuntime();
      const limits = runtime.limits;
      setStatus(
        adapterLine,
        'ready',
        `WebGPU adapter: ${runtime.adapterName} · features: ${runtime.adapter.features.join(', ') || 'none'} · ` +
          `max ${limits.maxComputeInvocationsPerWorkgroup} invocations per workgroup, ` +
          `${Math.round(limits.maxStorageBufferBindingSize / 2 ** 20)} MiB per storage binding`,
      );
      return runtime;
    } catch (error) {
      problem = errorText(error);
    }
  }
  document.body.dataset.gpu = 'missing';
  setStatus(adapterLine, 'error', 'No WebGPU adapter.');
  const box = byId('no-webgpu', HTMLElement);
  box.textContent = problem;
  box.hidden = false;
  for (const control of document.querySelectorAll<HTMLButtonElement | HTMLInputElement>('main button, main input')) control.disabled = true;
  return undefined;
}

class DemoPage {
  private model: MicroGen3D | undefined;
  private readContext: () => number[] = () => [];
  private abort: AbortController | undefined;
  private readonly view = new SampleView();
  private readonly check: CheckPanel;

  constructor(private readonly runtime: Runtime) {
    this.check = new CheckPanel(runtime);
    byId('fixture-run', HTMLButtonElement).disabled = false;
    this.wire();
  }

  async load(source: ModelSource, label: string): Promise<void> {
    this.model?.dispose();
    this.model = undefined;
    generateButton.disabled = true;
    setStatus(modelStatus, 'loading', `Loading ${label}…`);
    const started = performance.now();
    const precision = precisionSelect.value as Precision;
    try {
      this.model = await loadModel(source, { runtime: this.runtime, precision });
    } catch (error) {
      setStatus(modelStatus, 'error', `${label}: ${errorText(error)}`);
      return;
    }
    const c = this.model.config;
    const parts = Object.keys(c.files).join(', ');
    setStatus(
      modelStatus,
      'ready',
      `${label}: variant ${c.variant}, volume ${c.imageShape.join('×')}, latent ${c.latentShape.join('×')}, ` +
        `UNet width ${c.nFeat} in ${precision}, ${c.timesteps} timesteps; weights: ${parts} (loaded in ${Math.round(performance.now() - started)} ms)`,
    );
    this.readContext = contextSliders(byId('context-sliders', HTMLElement), c.contextAttributes);
    // Until a run says otherwise, the reference loop's steps.
    this.view.reset(this.model, c.timesteps - 2);
    this.showSteps();
    const canGenerate = Boolean(c.files.ddpm && c.files.vae);
    generateButton.disabled = !canGenerate;
    if (canGenerate) setStatus(generateStatus, 'idle', '');
    else setStatus(generateStatus, 'error', 'This model folder lacks ddpm or VAE weights: it cannot generate.');
  }

  async generate(): Promise<void> {
    const model = this.model;
    if (!model) return;
    const samples = Math.max(1, Math.floor(Number(byId('samples', HTMLInputElement).value) || 1));
    const seed = Math.max(0, Math.floor(Number(byId('seed', HTMLInputElement).value) || 0));
    const sampler = samplerSelect.value as SamplerName;
    let settings: SamplerSettings;
    try {
      settings = model.samplerSettings({ sampler, steps: sampler === 'ddpm' || stepsInput.value === '' ? undefined : Number(stepsInput.value) });
    } catch (error) {
      setStatus(generateStatus, 'error', errorText(error));
      return;
    }
    const abort = new AbortController();
    this.abort = abort;
    generateButton.disabled = true;
    cancelButton.disabled = false;
    for (const control of modelControls) control.disabled = true;
    progressBar.value = 0;
    this.view.reset(model, settings.steps);
    const started = performance.now();
    let last = { time: started, steps: 0 };
    setStatus(generateStatus, 'running', 'Compiling kernels and starting…');
    try {
      const thresholds = [...this.view.thresholds];
      const run = model.generate({
        context: this.readContext(),
        samples,
        seed,
        ...settings,
        thresholds,
        // The demo's point is to compare requested with measured, whatever the adapter's default.
        measure: true,
        signal: abort.signal,
        onProgress: (p) => {
          const now = performance.now();
          const perStep = (now - last.time) / Math.max(1, p.stepsDone - last.steps);
          last = { time: now, steps: p.stepsDone };
          progressBar.value = p.stepsDone / p.stepsTotal;
          setStatus(generateStatus, 'running', `step ${p.stepsDone}/${p.stepsTotal} · ${perStep.toFixed(1)} ms/step · sample ${Math.min(p.samplesDone + 1, samples)}/${samples}`);
        },
      });
      for await (const sample of run) this.view.add(sample, thresholds);
      progressBar.value = 1;
      setStatus(generateStatus, 'done', `Generated ${samples} sample${samples > 1 ? 's' : ''} in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
    } catch (error) {
      if (abort.signal.aborted) setStatus(generateStatus, 'cancelled', 'Cancelled.');
      else setStatus(generateStatus, 'error', errorText(error));
    } finally {
      this.abort = undefined;
      generateButton.disabled = false;
      cancelButton.disabled = true;
      for (const control of modelControls) control.disabled = false;
    }
  }

  /** The steps field shows the sampler's default for the loaded model; DDPM's steps are fixed. */
  private showSteps(): void {
    const sampler = samplerSelect.value as SamplerName;
    stepsInput.disabled = sampler === 'ddpm';
    if (sampler === 'ddpm') stepsInput.value = '';
    stepsInput.placeholder = this.model?.config.files.ddpm ? String(this.model.samplerSettings({ sampler }).steps) : '';
  }

  private wire(): void {
    const modelFiles = byId('model-files', HTMLInputElement);
    const fixtureFiles = byId('fixture-files', HTMLInputElement);
    modelFiles.addEventListener('change', () => void this.loadPicked(modelFiles.files));
    byId('model-url-load', HTMLButtonElement).addEventListener('click', () => void this.loadUrl(byId('model-url', HTMLInputElement).value));
    byId('random-model', HTMLButtonElement).addEventListener('click', () => void this.load(randomModelFiles(), 'random tiny model (random weights)'));
    generateButton.addEventListener('click', () => void this.generate());
    samplerSelect.addEventListener('change', () => this.showSteps());
    cancelButton.addEventListener('click', () => this.abort?.abort());
    fixtureFiles.addEventListener('change', () => void this.check.run(pickedFileReader(filesByName(fixtureFiles.files)), 'picked fixture folder'));
    byId('fixture-run', HTMLButtonElement).addEventListener('click', () => this.checkUrl(byId('fixture-url', HTMLInputElement).value));
  }

  private async loadPicked(list: FileList | null): Promise<void> {
    const files = [...filesByName(list)].filter(([name]) => name === 'model.json' || name.endsWith('.safetensors'));
    if (!files.some(([name]) => name === 'model.json')) {
      setStatus(modelStatus, 'error', 'The picked files hold no model.json: pick a folder made by `mg3d convert`.');
      return;
    }
    // Object URLs let the engine read each file when it needs it, without holding every file in memory first.
    const urls = Object.fromEntries(files.map(([name, file]) => [name, URL.createObjectURL(file)]));
    await this.load({ urls }, `picked folder (${files.length} files)`);
    for (const url of Object.values(urls)) URL.revokeObjectURL(url);
  }

  async loadUrl(url: string): Promise<void> {
    const trimmed = url.trim();
    if (!trimmed) return;
    const baseUrl = new URL(trimmed.endsWith('/') ? trimmed : `${trimmed}/`, location.href).href;
    await this.load({ baseUrl }, baseUrl);
  }

  checkUrl(url: string): void {
    const trimmed = url.trim();
    if (trimmed) void this.check.run(folderUrlReader(trimmed), trimmed);
  }
}

async function main(): Promise<void> {
  const runtime = await startRuntime();
  if (!runtime) return;
  const page = new DemoPage(runtime);
  document.body.dataset.gpu = 'ready';
  const params = new URLSearchParams(location.search);
  const model = params.get('model');
  const fixture = params.get('fixture');
  if (model) {
    byId('model-url', HTMLInputElement).value = model;
    await page.loadUrl(model);
  }
  if (fixture) {
    byId('fixture-url', HTMLInputElement).value = fixture;
    byId('fixture-cases', HTMLInputElement).value = params.get('cases') ?? '';
    page.checkUrl(fixture);
  }
}

void main();
