import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, startDemoServer } from './harness.js';

/** Sends the path exactly as written (fetch would normalise '..' away). */
function get(baseUrl: string, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tools/serve.mjs', () => {
  let folder = '';
  let server: { baseUrl: string; stop: () => void } | undefined;
  const url = () => server!.baseUrl;
  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'mg3d-serve-'));
    writeFileSync(join(folder, 'model.json'), '{"ok":true}');
    symlinkSync(join(REPO, 'package.json'), join(folder, 'outside.json'));
    server = await startDemoServer(['--mount', `/data/=${folder}`]);
  }, 60_000);
  afterAll(() => {
    server?.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  it('serves the demo page and mounted folders', async () => {
    const page = await get(url(), '/');
    expect(page.status).toBe(200);
    expect(page.type).toMatch(/^text\/html/);
    expect(page.body).toContain('<script type="module" src="demo.js">');
    expect(await get(url(), '/data/model.json')).toMatchObject({ status: 200, body: '{"ok":true}' });
    expect((await get(url(), '/microgen3d.mjs')).type).toMatch(/^text\/javascript/);
  });

  it('serves nothing outside the mounted folders', async () => {
    for (const path of ['/data/../package.json', '/data/%2e%2e/package.json', '/data/..%2f..%2fpackage.json', '/..%2fpackage.json', '/data/outside.json', '/data/%00', '/data/%E0%A4%A']) {
      expect((await get(url(), path)).status, path).toBe(404);
    }
  });

  it('is read-only', async () => {
    expect((await get(url(), '/data/model.json', 'PUT')).status).toBe(405);
  });
});
