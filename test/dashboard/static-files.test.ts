import fs from 'node:fs';
import { expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../src/dashboard/static-files.js';
import { startTestInlet } from '../support/inlet.js';

// `npm test` builds the dashboard before the suite, so the built files are present.
const built = fs.existsSync(`${DASHBOARD_DIR}index.html`);

it.runIf(built)('serves the dashboard page with a strict policy', async () => {
  const inlet = await startTestInlet('sqlite');
  const response = await fetch(`${inlet.url}/`);
  const html = await response.text();

  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/html');
  expect(html).toContain('<div id="root">');
  expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(response.headers.get('cache-control')).toBe('no-cache');
});

it.runIf(built)('answers client routes with the page', async () => {
  const inlet = await startTestInlet('sqlite');
  const page = await fetch(`${inlet.url}/sources/crm/development/mappings`, {
    headers: { accept: 'text/html' },
  });
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<div id="root">');

  const api = await fetch(`${inlet.url}/v1/nothing-here`, { headers: { accept: 'text/html' } });
  expect(api.status).toBe(404);
  expect(((await api.json()) as { code: string }).code).toBe('not_found');
  for (const path of ['/v1', '/integrations', '//v1/sources', '/V1/sources', '/%761/nope']) {
    const response = await fetch(inlet.url + path, { headers: { accept: 'text/html' } });
    const text = await response.text();
    expect(text, `${path} returned the page`).not.toContain('<div id="root">');
  }
  const lookalike = await fetch(`${inlet.url}/sources`, {
    headers: { accept: 'application/json, text/htmlx' },
  });
  expect(await lookalike.text()).not.toContain('<div id="root">');

  const script = await fetch(`${inlet.url}/missing.js`);
  await script.arrayBuffer();
  expect(script.status).toBe(404);
});

it.runIf(built)('caches hashed assets for a year', async () => {
  const inlet = await startTestInlet('sqlite');
  const html = await (await fetch(`${inlet.url}/`)).text();
  const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(asset).toBeDefined();

  const response = await fetch(inlet.url + asset!);
  await response.arrayBuffer();
  expect(response.status).toBe(200);
  expect(response.headers.get('cache-control')).toContain('immutable');
});
