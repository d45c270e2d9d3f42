import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { DASHBOARD_DIR } from '../../src/dashboard/static-files.js';
import { chromiumAvailable, openPage, screenshot } from '../support/browser.js';
import { waitFor } from '../support/deliveries.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';

const runs = fs.existsSync(`${DASHBOARD_DIR}index.html`) && chromiumAvailable;

function definition(stepType: string): string {
  const template = { markdown: 'Hello **{{ data.name }}** <img src=x onerror=alert(1)>' };
  const step = { ref: 'welcome-feed', type: stepType, template };
  return JSON.stringify({ name: 'Welcome', steps: [step] }, null, 2);
}

async function signIn(page: Page, inlet: TestInlet): Promise<void> {
  await page.goto(inlet.url);
  await page.getByLabel('Admin key').fill(inlet.inlet.apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Sources', level: 1 }).waitFor();
}

it.runIf(runs)(
  'workflow from editor to feed',
  async () => {
    const inlet = await startTestInlet('sqlite');
    await inlet.api('PUT', '/v1/users/u_ada', { name: 'Ada Lovelace', email: 'ada@example.test' });
    const page = await openPage();
    try {
      await signIn(page, inlet);

      // Write a workflow with a mistake; the check names the step field before anything is saved.
      await page
        .getByRole('navigation', { name: 'Main' })
        .getByRole('link', { name: 'Workflows' })
        .click();
      await page.getByRole('link', { name: 'New workflow' }).first().click();
      await page.getByLabel('Key', { exact: true }).fill('welcome');
      const editor = page.getByLabel('Definition (JSON)');
      await editor.fill(definition('carrier_pigeon'));
      await page.getByRole('button', { name: 'Validate' }).click();
      const results = page.getByRole('complementary', { name: 'Check results' });
      await results.getByText(/^steps\[0\] .*\.type$/).waitFor();
      await screenshot(page, 'workflow-editor-error');
      expect((await inlet.api('GET', '/v1/workflows/welcome')).status).toBe(404);

      await editor.fill(definition('in_app_feed'));
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.waitForURL(/\/workflows\/welcome/);
      const saved = await inlet.api('GET', '/v1/workflows/welcome');
      expect(saved.status).toBe(200);
      expect(saved.body.steps[0].type).toBe('in_app_feed');

      // Trigger a test run for Ada and read the message in her feed.
      await page.getByRole('tab', { name: 'Test trigger' }).click();
      await page.getByLabel('Recipients').fill('u_ada');
      await page.getByLabel('Data', { exact: true }).fill('{"name": "Ada"}');
      await page.getByRole('button', { name: 'Trigger workflow' }).click();
      await page
        .getByRole('link', { name: /^Messages of run / })
        .first()
        .waitFor();
      await screenshot(page, 'workflow-trigger');

      await page.goto(`${inlet.url}/users/u_ada`);
      const feed = page.getByRole('list', { name: /feed$/ });
      // The Markdown is rendered as elements; its raw HTML is dropped, not run.
      await feed.locator('strong', { hasText: 'Ada' }).waitFor({ timeout: 20_000 });
      expect(await feed.locator('img').count()).toBe(0);
      await screenshot(page, 'user-feed');
      await page.getByRole('button', { name: 'Mark all read' }).click();
      await waitFor(async () => {
        const listed = await inlet.api('GET', '/v1/messages?recipient=u_ada');
        return listed.body.data[0]?.read_at ? true : undefined;
      }, 'the feed message to be marked read');

      await page.goto(`${inlet.url}/messages`);
      await page.getByRole('heading', { name: 'Messages', level: 1 }).waitFor();
      await page.getByText('u_ada').first().waitFor();
      await screenshot(page, 'messages');
      const messages = await inlet.api('GET', '/v1/messages?recipient=u_ada');
      expect(messages.body.data).toHaveLength(1);
    } catch (error) {
      await screenshot(page, 'workflow-failure');
      throw error;
    }
  },
  180_000,
);
