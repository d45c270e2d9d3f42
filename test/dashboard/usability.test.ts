import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../src/dashboard/static-files.js';
import { chromiumAvailable, openPage, screenshot } from '../support/browser.js';
import { deliverFixture, waitForProcessing } from '../support/deliveries.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';

const SECRET = 'whsec_dashboard_usability';
const runs = fs.existsSync(`${DASHBOARD_DIR}index.html`) && chromiumAvailable;

/** Signs in with the keyboard only: the key field has focus, and Enter submits the form. */
async function signInWithKeyboard(page: Page, inlet: TestInlet): Promise<void> {
  await page.goto(inlet.url);
  await page.getByLabel('Admin key').waitFor();
  await page.keyboard.type(inlet.inlet.apiKey);
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Sources', level: 1 }).waitFor();
}

/** Returns how many pixels the page is wider than the window; 0 means no sideways scrolling. */
async function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(
    'document.documentElement.scrollWidth - window.innerWidth',
  ) as Promise<number>;
}

async function sourceWithEvents(inlet: TestInlet): Promise<string> {
  const url = await inlet.createWorkosSource('acme', SECRET);
  await deliverFixture(url, 'dsync.user.created', SECRET);
  await deliverFixture(url, 'dsync.group.created', SECRET);
  const events = await waitForProcessing(inlet, 'acme');
  return events[0].id;
}

it.runIf(runs)(
  'main pages fit a phone screen',
  async () => {
    const inlet = await startTestInlet('sqlite');
    const eventId = await sourceWithEvents(inlet);
    const page = await openPage({ width: 390, height: 844 });
    await signInWithKeyboard(page, inlet);

    const pages: [string, string, string][] = [
      ['/sources', 'Sources', 'phone-sources'],
      ['/sources/acme/development', 'acme', 'phone-source-setup'],
      ['/sources/acme/development/event-types', 'acme', 'phone-event-types'],
      ['/sources/acme/development/mappings', 'acme', 'phone-mappings'],
      ['/sources/acme/development/events', 'Event log', 'phone-event-log'],
      [`/sources/acme/development/events/${eventId}`, 'dsync', 'phone-event-detail'],
      ['/users', 'Users', 'phone-users'],
      ['/workflows', 'Workflows', 'phone-workflows'],
      ['/messages', 'Messages', 'phone-messages'],
    ];
    for (const [path, heading, name] of pages) {
      await page.goto(inlet.url + path);
      await page.getByRole('heading', { level: 1 }).filter({ hasText: heading }).first().waitFor();
      await page.waitForLoadState('networkidle');
      await screenshot(page, name);
      expect(await horizontalOverflow(page), `${path} scrolls sideways`).toBeLessThanOrEqual(0);
    }

    // The navigation folds into a menu button on narrow screens.
    const navigation = page.getByRole('navigation', { name: 'Main' });
    expect(await navigation.isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Menu' }).click();
    await navigation.getByRole('link', { name: 'Tenants' }).click();
    await page.getByRole('heading', { name: 'Tenants', level: 1 }).waitFor();
  },
  180_000,
);

it.runIf(runs)(
  'mapping editor works from the keyboard',
  async () => {
    const inlet = await startTestInlet('sqlite');
    await sourceWithEvents(inlet);
    const page = await openPage();
    await signInWithKeyboard(page, inlet);
    await page.goto(`${inlet.url}/sources/acme/development/mappings`);

    const identify = page.getByRole('listitem', { name: 'dsync.user.created → users_identify' });
    const edit = identify.getByRole('button', { name: 'Edit' });
    await edit.focus();
    await page.keyboard.press('Enter');
    const editor = page.getByRole('dialog', { name: 'Edit mapping' });
    await editor.waitFor();
    expect(
      await editor.evaluate((dialog: any) => dialog.contains(dialog.ownerDocument.activeElement)),
    ).toBe(true);

    await page.keyboard.press('Escape');
    await editor.waitFor({ state: 'detached' });
    expect(
      await edit.evaluate((button: any) => button === button.ownerDocument.activeElement),
    ).toBe(true);
  },
  120_000,
);

it.runIf(runs)(
  'sign-in shows a wrong key',
  async () => {
    const inlet = await startTestInlet('sqlite');
    const page = await openPage();
    await page.goto(inlet.url);
    await page.getByLabel('Admin key').fill('not-the-admin-key');
    await page.getByRole('button', { name: 'Sign in' }).click();

    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The admin key is not correct.');
    expect(await alert.textContent()).toContain('invalid_credentials');
    await screenshot(page, 'sign-in-error');
  },
  60_000,
);
