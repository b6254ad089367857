import { threshold, writeVti, type Descriptors, type GeneratedSample, type MicroGen3D, type ModelConfig } from '../src/browser.js';
import { byId, download, errorText, tableRow } from './dom.js';
import { drawIsometric } from './iso-view.js';
import { PLANES, drawSlice, grey, phaseColour, sliceCount, type Plane } from './slices.js';

type Shape3 = [number, number, number];

/** The result panel: slices, 3D view, requested / predicted / measured attributes, timings and downloads of one sample at a time. */
export class SampleView {
  private samples: GeneratedSample[] = [];
  private model: MicroGen3D | undefined;
  /** Denoising steps of the run shown, for the per-step time. */
  private steps = 1;
  /** Phase thresholds of the view; generation uses them too, so its measurement fits the phases shown. */
  thresholds = [0.5];
  private phases: Uint8Array = new Uint8Array(0);
  /** Descriptors per sample, with the thresholds of the phases they were measured on. */
  private readonly measured = new Map<GeneratedSample, { thresholds: string; descriptors: Descriptors }>();
  private shown = 0;
  private readonly panel = byId('result-panel', HTMLElement);
  private readonly select = byId('sample-select', HTMLSelectElement);
  private readonly thresholdBox = byId('thresholds', HTMLInputElement);

  constructor() {
    this.select.addEventListener('change', () => this.show());
    this.thresholdBox.addEventListener('change', () => this.readThresholds());
    for (const plane of PLANES) byId(`slider-${plane}`, HTMLInputElement).addEventListener('input', () => this.drawPlane(plane));
    byId('download-volume', HTMLButtonElement).addEventListener('click', () => this.download('volume'));
    byId('download-phases', HTMLButtonElement).addEventListener('click', () => this.download('phases'));
  }

  reset(model: MicroGen3D, steps: number): void {
    this.model = model;
    this.steps = steps;
    this.samples = [];
    this.measured.clear();
    this.select.replaceChildren();
    this.panel.hidden = true;
  }

  private get config(): ModelConfig | undefined {
    return this.model?.config;
  }

  /** `thresholds`: those the sample's phases (and its measurement) were made with. */
  add(sample: GeneratedSample, thresholds: readonly number[]): void {
    this.samples.push(sample);
    if (sample.measured) this.measured.set(sample, { thresholds: thresholds.join(), descriptors: sample.measured });
    const option = new Option(`#${sample.index}`, String(this.samples.length - 1));
    this.select.append(option);
    if (this.samples.length === 1) {
      this.panel.hidden = false;
      this.centreSliders(sample.volume.shape as Shape3);
      this.show();
    }
  }

  private get current(): GeneratedSample | undefined {
    return this.samples[Number(this.select.value)];
  }

  private centreSliders(shape: Shape3): void {
    for (const plane of PLANES) {
      const slider = byId(`slider-${plane}`, HTMLInputElement);
      const count = sliceCount(shape, plane);
      slider.max = String(count - 1);
      slider.value = String(Math.floor(count / 2));
    }
  }

  private readThresholds(): void {
    const values = this.thresholdBox.value.split(',').map((s) => Number(s.trim()));
    const valid = values.length >= 1 && values.length <= 2 && values.every(Number.isFinite) && values.every((v, i) => i === 0 || v > values[i - 1]!);
    this.thresholdBox.setCustomValidity(valid ? '' : 'one threshold, or two ascending, e.g. 0.33,0.66');
    this.thresholdBox.reportValidity();
    if (!valid) return;
    this.thresholds = values;
    this.show();
  }

  private show(): void {
    const sample = this.current;
    if (!sample) return;
    this.phases = threshold(sample.volume.data, this.thresholds);
    for (const plane of PLANES) this.drawPlane(plane);
    drawIsometric(byId('iso-view', HTMLCanvasElement), this.phases, sample.volume.shape as Shape3);
    this.fillFeatures(sample, this.measuredNow(sample));
    this.fillTimings(sample);
  }

  /** The descriptors of the phases shown, measuring them again when the thresholds changed since. */
  private measuredNow(sample: GeneratedSample): Descriptors | string | undefined {
    const key = this.thresholds.join();
    const known = this.measured.get(sample);
    if (known?.thresholds === key) return known.descriptors;
    if (!known) return undefined;
    const shown = ++this.shown;
    const phases = this.phases;
    const count = this.thresholds.length === 2 ? 3 : 2;
    // Shown only if the user has not moved on to another sample or thresholds meanwhile.
    const fill = (measured: Descriptors | string) => shown === this.shown && this.current === sample && this.fillFeatures(sample, measured);
    this.model!.measure(phases, { phases: count }).then(
      (descriptors) => {
        this.measured.set(sample, { thresholds: key, descriptors });
        fill(descriptors);
      },
      (error: unknown) => fill(`failed: ${errorText(error)}`),
    );
    return 'measuring…';
  }

  private drawPlane(plane: Plane): void {
    const sample = this.current;
    if (!sample) return;
    const shape = sample.volume.shape as Shape3;
    const at = Number(byId(`slider-${plane}`, HTMLInputElement).value);
    byId(`slice-${plane}`, HTMLOutputElement).value = `${at + 1}/${sliceCount(shape, plane)}`;
    drawSlice(byId(`raw-${plane}`, HTMLCanvasElement), sample.volume.data, shape, plane, at, grey);
    drawSlice(byId(`phase-${plane}`, HTMLCanvasElement), this.phases, shape, plane, at, phaseColour);
  }

  /**
   * One row per model attribute; measured where the attribute is a descriptor (not for processing
   * parameters). `measured` as text: the state of a measurement still running or failed.
   */
  private fillFeatures(sample: GeneratedSample, measured: Descriptors | string | undefined): void {
    const config = this.config!;
    const body = byId('features', HTMLTableElement).tBodies[0]!;
    const measuredCell = (attribute: string) => {
      if (typeof measured === 'string') return measured;
      const value = measured?.[attribute];
      return value === undefined ? '' : round(value);
    };
    body.replaceChildren(
      ...config.attributes.map((attribute, i) => {
        const k = config.contextAttributes.indexOf(attribute);
        const predicted = sample.features[i];
        return tableRow(
          [attribute, k >= 0 ? round(sample.context[k]!) : '', predicted === undefined ? 'no FP weights' : round(predicted), measuredCell(attribute)],
          true,
        );
      }),
    );
  }

  private fillTimings(sample: GeneratedSample): void {
    const steps = this.steps;
    const { denoise, decode, predict, measure } = sample.timings;
    byId('timings', HTMLTableElement).tBodies[0]!.replaceChildren(
      tableRow([`denoise (${steps} steps)`, round(denoise)], true),
      tableRow(['per step', round(denoise / steps)], true),
      tableRow(['decode', round(decode)], true),
      tableRow(['predict attributes', round(predict)], true),
      tableRow(['measure descriptors', round(measure)], true),
    );
  }

  private download(what: 'volume' | 'phases'): void {
    const sample = this.current;
    if (!sample) return;
    const shape = sample.volume.shape;
    const bytes = what === 'volume' ? writeVti(shape, sample.volume.data, 'volume') : writeVti(shape, this.phases, 'phase');
    download(bytes, `${this.config!.variant}-sample${sample.index}-${what}.vti`);
  }
}

/** Four significant digits, as a number so that tables align it as one. */
function round(value: number): number {
  return Number(value.toPrecision(4));
}
