import { existsSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { FIXTURES, openDemo, settledStatus, skipBrowserTests, useDemo, type DemoSession } from './harness.js';

/** The check's rows as the page shows them: tensor name and relative error. */
async function checkResults(page: Page): Promise<{ tensor: string; error: number }[]> {
  const status = await settledStatus(page, '#check-status', 120_000);
  expect(status, status.text).toMatchObject({ state: 'done' });
  return page.$$eval('#check-results tr[data-tensor]', (rows) =>
    rows.map((row) => ({ tensor: (row as HTMLElement).dataset.tensor ?? '', error: Number((row as HTMLElement).dataset.error) })),
  );
}

interface BrowserCheck {
  folder: string;
  testCase: string;
  tensor: string;
  open: (session: DemoSession, folder: string, testCase: string) => Promise<{ page: Page; errors: string[] }>;
}

// One small case per fixture: the 'sample' case runs 998 UNet steps, minutes on SwiftShader.
// One fixture comes by URL (query parameters), the other through the folder picker.
const CHECKS: BrowserCheck[] = [
  {
    folder: 'unet-ch',
    testCase: 'unet',
    tensor: 'unet.out',
    open: (session, folder, testCase) => openDemo(session, `?fixture=/fixtures/${folder}/&cases=${testCase}`),
  },
  {
    folder: 'vae-ch',
    testCase: 'decoder',
    tensor: 'decoder.out',
    open: async (session, folder, testCase) => {
      const opened = await openDemo(session);
      await opened.page.fill('#fixture-cases', testCase);
      await opened.page.setInputFiles('#fixture-files', `${FIXTURES}${folder}`);
      return opened;
    },
  },
];

describe.skipIf(skipBrowserTests)('mg3d check in the page (Chromium, SwiftShader WebGPU)', () => {
  const session = useDemo();

  for (const { folder, testCase, tensor, open } of CHECKS) {
    const path = `${FIXTURES}${folder}`;
    if (!existsSync(path)) console.warn(`skipping the ${folder} browser check: ${path} is absent`);

    it.skipIf(!existsSync(path))(`runs the ${testCase} case of ${path} in the page within 1e-4`, async () => {
      const { page, errors } = await open(session(), folder, testCase);
      const rows = await checkResults(page);
      console.log(`browser check ${folder}/${testCase}: ${rows.map((r) => `${r.tensor} ${r.error.toExponential(3)}`).join(', ')}`);
      expect(rows.map((r) => r.tensor)).toEqual([tensor]);
      expect(rows[0]!.error).toBeLessThan(1e-4);
      expect(errors).toEqual([]);
      await page.context().close();
    }, 150_000);
  }
});
