/*
 * Shared setup of the browser tests: builds the demo page, serves it with
 * tools/serve.mjs on 127.0.0.1 and drives Debian's Chromium with playwright-core
 * (never a downloaded browser). SwiftShader gives the WebGPU adapter there.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

export const CHROMIUM = '/usr/bin/chromium';
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

/**
 * playwright-core adds --no-sandbox and a fresh temporary --user-data-dir itself
 * (it refuses a --user-data-dir argument in launch()).
 */
const CHROMIUM_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Without Chromium the tests skip, except in CI, whose .ci/run installs it: there they must run. */
export const skipBrowserTests = !existsSync(CHROMIUM) && !process.env.CI;
if (skipBrowserTests) console.warn(`browser tests skipped: ${CHROMIUM} is absent (bash .ci/install-chromium.sh installs it)`);

export interface DemoSession {
  baseUrl: string;
  browser: Browser;
}

/** Builds the demo page and serves it with tools/serve.mjs on a free port. */
export async function startDemoServer(args: readonly string[] = []): Promise<{ baseUrl: string; stop: () => void }> {
  execFileSync(process.execPath, ['tools/build.mjs', 'web'], { cwd: REPO, stdio: 'inherit' });
  const server = spawn(process.execPath, ['tools/serve.mjs', '--port', '0', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    return { baseUrl: await servedUrl(server), stop: () => server.kill() };
  } catch (error) {
    server.kill();
    throw error;
  }
}

/** Serves the demo page and starts Chromium once per test file; `serverArgs` are read at start. */
export function useDemo(serverArgs: () => string[] = () => []): () => DemoSession {
  let stopServer: (() => void) | undefined;
  let session: DemoSession | undefined;
  beforeAll(async () => {
    if (skipBrowserTests) return;
    const server = await startDemoServer(serverArgs());
    stopServer = server.stop;
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS, timeout: 30_000 });
    session = { baseUrl: server.baseUrl, browser };
  });
  afterAll(async () => {
    await session?.browser.close();
    stopServer?.();
  });
  return () => {
    if (!session) throw new Error('browser session not started');
    return session;
  };
}

/** The URL the server prints once it listens. */
function servedUrl(server: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`tools/serve.mjs printed no URL in 10 s: ${output}`)), 10_000);
    server.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /serving (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    server.on('exit', (code) => reject(new Error(`tools/serve.mjs exited with ${code}: ${output}`)));
  });
}

/**
 * Opens the demo (with a query string) and waits until it has settled on WebGPU
 * or its absence. Uncaught page errors fail the test through `errors`.
 */
export async function openDemo(session: DemoSession, query = '', init?: () => void): Promise<{ page: Page; errors: string[] }> {
  const context = await session.browser.newContext({ viewport: { width: 1180, height: 1000 } });
  if (init) await context.addInitScript(init);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(new URL(query, session.baseUrl).href);
  await page.waitForSelector('body[data-gpu]', { timeout: 30_000 });
  return { page, errors };
}

/** Waits for a status line to leave 'running'/'loading' and returns its state and text. */
export async function settledStatus(page: Page, selector: string, timeout: number): Promise<{ state: string; text: string }> {
  await page.waitForSelector(`${selector}[data-state]:not([data-state=running]):not([data-state=loading])`, { timeout });
  return page.$eval(selector, (el) => ({ state: (el as HTMLElement).dataset.state ?? '', text: el.textContent ?? '' }));
}
