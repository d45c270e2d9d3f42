import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll } from 'vitest';

/** Debian's Chromium, which scripts/chromium.sh installs when it is missing. */
const executablePath = process.env.INLET_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** Where screenshots of the dashboard are saved, as artifacts of the test run. */
export const SCREENSHOT_DIR = path.resolve('test-results/dashboard');

export const chromiumAvailable = fs.existsSync(executablePath);
if (process.env.CI === 'true' && !chromiumAvailable) {
  throw new Error(`Chromium is missing at ${executablePath}: run the suite with \`npm test\``);
}

let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
  browser = undefined;
});

/**
 * Opens a page in headless Chromium with a fresh profile. The flags turn off Chromium's own
 * background connections (updates, sync, safe browsing), which have nowhere to go in a sandbox.
 */
export async function openPage(viewport = { width: 1280, height: 900 }): Promise<Page> {
  browser ??= await chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  const context = await browser.newContext({ viewport });
  return context.newPage();
}

/** Saves a full-page screenshot named `name`.png under SCREENSHOT_DIR. */
export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}
