import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVti } from '../../src/io/vti.js';
import { randomModelFiles } from '../../src/models/random-model.js';
import { REPO, openDemo, settledStatus, skipBrowserTests, useDemo } from './harness.js';

const SCREENSHOT = `${REPO}dist/demo.png`;
const CANVASES = ['XY', 'XZ', 'YZ'].flatMap((plane) => [`raw-${plane}`, `phase-${plane}`]).concat('iso-view');

/** Variance of each canvas's pixel luminance: 0 for a blank (uniform) canvas. */
function canvasVariances(page: Page): Promise<Record<string, number>> {
  return page.evaluate((ids) => {
    const out: Record<string, number> = {};
    for (const id of ids) {
      const canvas = document.getElementById(id) as HTMLCanvasElement;
      const { data } = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
      let sum = 0;
      let sumSq = 0;
      for (let i = 0; i < data.length; i += 4) {
        const y = 0.299 * data[i]! + 0.587 * data[i + 1]! + 0.114 * data[i + 2]!;
        sum += y;
        sumSq += y * y;
      }
      const n = data.length / 4;
      out[id] = n ? sumSq / n - (sum / n) ** 2 : 0;
    }
    return out;
  }, CANVASES);
}

describe.skipIf(skipBrowserTests)('the demo page (Chromium, SwiftShader WebGPU)', () => {
  // The page's random tiny model, converted and written as a model folder, served under /models/.
  let modelDir = '';
  beforeAll(() => {
    modelDir = mkdtempSync(join(tmpdir(), 'mg3d-tiny-model-'));
    for (const [name, bytes] of randomModelFiles()) writeFileSync(join(modelDir, name), bytes);
  });
  afterAll(() => rmSync(modelDir, { recursive: true, force: true }));
  const session = useDemo(() => ['--models', modelDir]);

  it('loads a converted model folder by URL (?model=)', async () => {
    const { page, errors } = await openDemo(session(), '?model=/models/');
    const status = await settledStatus(page, '#model-status', 60_000);
    expect(status, status.text).toMatchObject({ state: 'ready' });
    expect(status.text).toMatch(/variant random, volume 1×32×32×32/);
    expect(await page.isEnabled('#generate')).toBe(true);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  // Also the f16 mode in a browser whose adapter (SwiftShader) has no shader-f16: the kernels read packed halves.
  it('loads a converted model folder through the folder picker, and generates with the f16 UNet', async () => {
    const { page, errors } = await openDemo(session());
    await page.selectOption('#precision', 'f16');
    await page.setInputFiles('#model-files', modelDir);
    const status = await settledStatus(page, '#model-status', 60_000);
    expect(status, status.text).toMatchObject({ state: 'ready' });
    expect(status.text).toMatch(/^picked folder \(4 files\).*UNet width \d+ in f16/);
    await page.click('#generate');
    const generated = await settledStatus(page, '#gen-status', 150_000);
    expect(generated, generated.text).toMatchObject({ state: 'done' });
    expect(errors).toEqual([]);
    await page.context().close();
  }, 180_000);

  describe('with a random tiny model', () => {
    let page: Page;
    let errors: string[];
    beforeAll(async () => {
      ({ page, errors } = await openDemo(session()));
      await page.click('#random-model');
      const status = await settledStatus(page, '#model-status', 60_000);
      expect(status, status.text).toMatchObject({ state: 'ready' });
    }, 90_000);
    afterAll(() => page?.context().close());

    it('finds a WebGPU adapter', async () => {
      expect(await page.getAttribute('body', 'data-gpu')).toBe('ready');
      const adapter = await page.textContent('#adapter');
      expect(adapter).toMatch(/^WebGPU adapter: \S/);
      console.log(`browser demo: ${adapter}`);
      expect(await page.isHidden('#no-webgpu')).toBe(true);
    });

    it('loads the UNet in the precision chosen', async () => {
      expect(await page.textContent('#model-status')).toMatch(/UNet width \d+ in f32/);
    });

    it('generates a sample and shows slices, a 3D view, requested / predicted / measured attributes and timings', async () => {
      const sliders = await page.$$eval('#context-sliders input[type=number]', (boxes) => boxes.map((b) => (b as HTMLElement).dataset.attribute));
      expect(sliders).toEqual(['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1']);
      await page.fill('#context-sliders input[data-attribute=ABS_f_D]', '0.4');
      await page.click('#generate');
      const status = await settledStatus(page, '#gen-status', 150_000);
      expect(status, status.text).toMatchObject({ state: 'done' });
      console.log(`browser demo: ${status.text}`);

      const variances = await canvasVariances(page);
      for (const id of CANVASES) expect(variances[id], `${id} is blank`).toBeGreaterThan(1);

      const features = await page.$$eval('#features tbody tr', (rows) => rows.map((r) => [...(r as HTMLTableRowElement).cells].map((c) => c.textContent ?? '')));
      expect(features.map((r) => r[0])).toEqual(['ABS_f_D', 'CT_f_D_tort1', 'CT_f_A_tort1']);
      expect(Number(features[0]![1])).toBe(0.4);
      for (const row of features) expect(Number.isFinite(Number(row[2])), `predicted ${row[0]}: '${row[2]}'`).toBe(true);
      // Measured on the generated phases: fractions in [0, 1].
      for (const row of features) expect(Number(row[3]), `measured ${row[0]}: '${row[3]}'`).toBeGreaterThanOrEqual(0);
      for (const row of features) expect(Number(row[3]), `measured ${row[0]}: '${row[3]}'`).toBeLessThanOrEqual(1);
      expect(features.every((r) => r[3] !== '')).toBe(true);
      const timings = await page.$$eval('#timings tbody td.num', (cells) => cells.map((c) => Number(c.textContent)));
      expect(timings).toHaveLength(5);
      for (const ms of timings) expect(ms).toBeGreaterThan(0);
      console.log(`browser demo timings (ms): denoise, per step, decode, predict, measure = ${timings.join(', ')}`);

      mkdirSync(`${REPO}docs`, { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect(readFileSync(SCREENSHOT).length).toBeGreaterThan(10_000);
      expect(errors).toEqual([]);
    }, 180_000);

    it('measures the phases again when the thresholds change', async () => {
      const measuredAbs = () => page.$eval('#features tbody tr:first-child td:last-child', (c) => c.textContent ?? '');
      const before = Number(await measuredAbs());
      await page.fill('#thresholds', '0.3');
      await page.dispatchEvent('#thresholds', 'change');
      await page.waitForFunction(() => !/measuring/.test(document.querySelector('#features tbody tr td:last-child')?.textContent ?? 'measuring'), null, { timeout: 60_000 });
      const after = Number(await measuredAbs());
      expect(after).toBeGreaterThanOrEqual(0);
      expect(after).not.toBe(before);
      await page.fill('#thresholds', '0.5');
      await page.dispatchEvent('#thresholds', 'change');
      await page.waitForFunction(() => !/measuring/.test(document.querySelector('#features tbody tr td:last-child')?.textContent ?? 'measuring'), null, { timeout: 60_000 });
      expect(Number(await measuredAbs())).toBe(before);
    });

    it('downloads the volume as a .vti that reads back', async () => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download-volume')]);
      const file = await download.path();
      const volume = readVti(new Uint8Array(readFileSync(file)), download.suggestedFilename());
      expect(volume.shape).toEqual([32, 32, 32]);
      expect(volume.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    });

    it('generates with the sampler and steps picked: DDIM in 5 steps', async () => {
      expect(await page.isDisabled('#steps')).toBe(true);
      await page.selectOption('#sampler', 'ddim');
      expect(await page.getAttribute('#steps', 'placeholder')).toBe('48');
      await page.fill('#steps', '5');
      await page.fill('#samples', '1');
      await page.click('#generate');
      const status = await settledStatus(page, '#gen-status', 60_000);
      expect(status, status.text).toMatchObject({ state: 'done' });
      await page.selectOption('#sampler', 'ddpm');
      expect(await page.isDisabled('#steps')).toBe(true);
      expect(errors).toEqual([]);
    }, 90_000);

    it('cancels a running generation', async () => {
      await page.fill('#samples', '3');
      await page.click('#generate');
      await page.waitForSelector('#gen-status[data-state=running]:text-matches("^step ")', { timeout: 60_000 });
      await page.click('#cancel');
      const status = await settledStatus(page, '#gen-status', 60_000);
      expect(status).toMatchObject({ state: 'cancelled' });
      expect(await page.isEnabled('#generate')).toBe(true);
    }, 90_000);
  });

  it('says clearly when the browser has no WebGPU', async () => {
    const { page } = await openDemo(session(), '', () => {
      Object.defineProperty(Navigator.prototype, 'gpu', { get: () => undefined });
    });
    expect(await page.getAttribute('body', 'data-gpu')).toBe('missing');
    expect(await page.textContent('#no-webgpu')).toMatch(/This browser has no WebGPU/);
    expect(await page.isDisabled('#random-model')).toBe(true);
    await page.context().close();
  });

  it('says clearly when WebGPU finds no adapter', async () => {
    const { page } = await openDemo(session(), '', () => {
      GPU.prototype.requestAdapter = () => Promise.resolve(null);
    });
    expect(await page.getAttribute('body', 'data-gpu')).toBe('missing');
    expect(await page.textContent('#no-webgpu')).toMatch(/No WebGPU adapter found/);
    await page.context().close();
  });
});
