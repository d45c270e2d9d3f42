import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../src/dashboard/static-files.js';
import { chromiumAvailable, openPage, screenshot } from '../support/browser.js';
import { deliverFixture, waitForProcessing } from '../support/deliveries.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import fs from 'node:fs';

const SECRET = 'whsec_dashboard_setup_flow';
const built = fs.existsSync(`${DASHBOARD_DIR}index.html`);

/** Waits for the event log to show a row of `eventType` with `status`, reloading as the page polls. */
async function expectLogRow(page: Page, eventType: string, status: string): Promise<void> {
  const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: eventType }) });
  await row.filter({ hasText: status }).first().waitFor({ timeout: 20_000 });
}

async function signIn(page: Page, inlet: TestInlet): Promise<void> {
  await page.goto(inlet.url);
  await page.getByLabel('Admin key').fill(inlet.inlet.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Sources', level: 1 }).waitFor();
}

it.runIf(built && chromiumAvailable)(
  'setup flow from sign-in to replay',
  async () => {
    const inlet = await startTestInlet('sqlite');
    const page = await openPage();
    try {
      await walkSetupFlow(inlet, page);
    } catch (error) {
      // The page as it was at the failure is the first thing to look at.
      await screenshot(page, 'failure');
      throw error;
    }
  },
  180_000,
);

async function walkSetupFlow(inlet: TestInlet, page: Page): Promise<void> {
  // Sign in; the session lives in an HttpOnly cookie that scripts cannot read.
  await signIn(page, inlet);
  expect(await page.evaluate('document.cookie')).toBe('');
  expect(await page.evaluate('JSON.stringify(localStorage)')).toBe('{}');
  await page.getByRole('heading', { name: 'No sources yet' }).waitFor();
  await screenshot(page, 'sources-empty');

  // Create a WorkOS source with its default mappings.
  await page.getByRole('link', { name: 'Create source' }).first().click();
  await page.getByLabel('Name', { exact: true }).fill('Acme WorkOS');
  expect(await page.getByLabel('Key', { exact: true }).inputValue()).toBe('acme-workos');
  await page.getByRole('switch', { name: 'dsync.user.created → users_identify' }).waitFor();
  await screenshot(page, 'source-create');
  await page.getByRole('button', { name: 'Create source' }).click();

  // Copy the development webhook URL from the page and set the signing secret.
  const urlField = page.getByLabel('Webhook URL');
  await urlField.waitFor();
  const webhookUrl = await urlField.inputValue();
  expect(webhookUrl).toMatch(/\/integrations\/receive\/[\w-]+$/);
  await page.getByLabel('Signing secret', { exact: true }).fill(SECRET);
  await page.getByRole('button', { name: 'Save signing secret' }).click();
  await page.getByText('Signing secret saved').waitFor();
  expect(await page.getByLabel('Signing secret', { exact: true }).inputValue()).toBe('');
  expect(await page.content()).not.toContain(SECRET);
  await screenshot(page, 'source-setup');

  // Deliver a delivery signed by the WorkOS SDK to the copied URL; watch it in the log.
  const target = inlet.url + new URL(webhookUrl).pathname;
  await deliverFixture(target, 'dsync.user.created', SECRET);
  await page
    .getByRole('navigation', { name: 'Source sections' })
    .getByRole('link', { name: 'Event log' })
    .click();
  await expectLogRow(page, 'dsync.user.created', 'processed');
  await screenshot(page, 'event-log');
  await page.getByRole('link', { name: 'dsync.user.created' }).first().click();
  await page.getByRole('article', { name: 'users_identify, succeeded' }).waitFor();
  await screenshot(page, 'event-detail');

  // Switch dsync.user.updated off; its next delivery is recorded as skipped.
  await page.goto(`${inlet.url}/sources/acme-workos/development/event-types`);
  const toggle = page.getByRole('switch', { name: 'Enable dsync.user.updated' });
  expect(await toggle.getAttribute('aria-checked')).toBe('true');
  await toggle.click();
  await page
    .locator('[role="switch"][aria-label="Enable dsync.user.updated"][aria-checked="false"]')
    .waitFor();
  await screenshot(page, 'event-types');
  await deliverFixture(target, 'dsync.user.updated', SECRET);
  await page.goto(`${inlet.url}/sources/acme-workos/development/events`);
  await expectLogRow(page, 'dsync.user.updated', 'skipped');

  // Edit the identify mapping: the name comes from the SCIM display name, previewed first.
  await page.goto(`${inlet.url}/sources/acme-workos/development/mappings`);
  const identify = page.getByRole('listitem', { name: 'dsync.user.created → users_identify' });
  await identify.getByRole('button', { name: 'Edit' }).click();
  const editor = page.getByRole('dialog', { name: 'Edit mapping' });
  await editor.getByLabel('Value type of name').selectOption({ label: 'Path' });
  await editor.getByLabel('name', { exact: true }).fill('body.data.raw_attributes.displayName');
  await editor.getByRole('button', { name: 'Preview', exact: true }).click();
  await editor.getByText('Ifeoma Adeyemi').first().waitFor();
  await screenshot(page, 'mapping-editor');
  await editor.getByRole('button', { name: 'Save mapping' }).click();
  await editor.waitFor({ state: 'detached' });
  const mappings = await inlet.api(
    'GET',
    '/v1/sources/acme-workos/environments/development/mappings?event_type=dsync.user.created',
  );
  const saved = mappings.body.data.find((mapping: any) => mapping.action_type === 'users_identify');
  expect(saved.parameters.name).toBe('body.data.raw_attributes.displayName');
  await screenshot(page, 'mappings');

  // Replay the first event with the edited mapping.
  const [created] = (await waitForProcessing(inlet, 'acme-workos')).filter(
    (event) => event.event_type === 'dsync.user.created',
  );
  await page.goto(`${inlet.url}/sources/acme-workos/development/events/${created.id}`);
  await page.getByRole('button', { name: 'Replay' }).click();
  await page.getByText(/Replayed as run 1/).waitFor();
  const detail = await inlet.api(
    'GET',
    `/v1/sources/acme-workos/environments/development/events/${created.id}`,
  );
  expect(detail.body.actions.filter((action: any) => action.run === 1).length).toBeGreaterThan(0);

  await page.goto(`${inlet.url}/sources/acme-workos/development/activity`);
  await page.getByRole('img').first().waitFor();
  await screenshot(page, 'activity');
  await page.goto(`${inlet.url}/sources`);
  await page.getByRole('link', { name: 'Acme WorkOS' }).waitFor();
  await screenshot(page, 'sources');
}
