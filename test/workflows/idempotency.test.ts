import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet } from '../support/inlet.js';
import { controlClock, identify, ok, putWorkflow, request, waitForRun } from './support.js';

const WELCOME = {
  name: 'Welcome',
  steps: [{ ref: 'feed', type: 'in_app_feed', template: { body: 'Welcome' } }],
};

describeEachEngine('workflow idempotency', (engine) => {
  it('same key returns the first runs', async () => {
    const inlet = await startTestInlet(engine);
    await putWorkflow(inlet, 'welcome', WELCOME);
    await identify(inlet, 'ada');
    const headers = { 'idempotency-key': 'signup-ada-1' };

    const first = await request(
      inlet,
      'POST',
      '/v1/workflows/welcome/trigger',
      { recipients: ['ada'], data: { a: 1, b: 2 } },
      headers,
    );
    const second = await request(
      inlet,
      'POST',
      '/v1/workflows/welcome/trigger',
      { data: { b: 2, a: 1 }, recipients: ['ada'] },
      headers,
    );

    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
    expect(second.body).toEqual(first.body);
    await waitForRun(inlet, first.body.workflow_run_ids[0], ['completed']);
    const messages = await ok(inlet, 'GET', '/v1/messages?workflow=welcome');
    expect(messages.data).toHaveLength(1);
    expect((await ok(inlet, 'GET', '/v1/workflow-runs')).data).toHaveLength(1);

    const conflict = await request(
      inlet,
      'POST',
      '/v1/workflows/welcome/trigger',
      { recipients: ['ada'], data: { a: 2 } },
      headers,
    );
    expect(conflict.status).toBe(409);
    expect(conflict.body.code).toBe('idempotency_conflict');

    const otherEnvironment = await request(
      inlet,
      'POST',
      '/v1/workflows/welcome/trigger',
      { recipients: ['ada'], data: { a: 2 } },
      { ...headers, 'inlet-environment': 'production' },
    );
    expect(otherEnvironment.status).toBe(202);
  });

  it('concurrent requests with one key start one run', async () => {
    const inlet = await startTestInlet(engine);
    await putWorkflow(inlet, 'welcome', WELCOME);
    await identify(inlet, 'ada');
    const headers = { 'idempotency-key': 'burst' };

    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        request(inlet, 'POST', '/v1/workflows/welcome/trigger', { recipients: ['ada'] }, headers),
      ),
    );

    expect(responses.map((response) => response.status)).toEqual(Array(8).fill(202));
    const ids = new Set(responses.map((response) => response.body.workflow_run_ids[0]));
    expect(ids.size).toBe(1);
    expect((await ok(inlet, 'GET', '/v1/workflow-runs')).data).toHaveLength(1);
  });

  it('key expires after 24 hours', async () => {
    const inlet = await startTestInlet(engine);
    const clock = controlClock(inlet);
    await putWorkflow(inlet, 'welcome', WELCOME);
    await identify(inlet, 'ada');
    const headers = { 'idempotency-key': 'daily' };

    const first = await ok(
      inlet,
      'POST',
      '/v1/workflows/welcome/trigger',
      { recipients: ['ada'] },
      headers,
    );
    await clock.advance(24 * 60 * 60 * 1000);
    const later = await ok(
      inlet,
      'POST',
      '/v1/workflows/welcome/trigger',
      { recipients: ['ada'], data: { changed: true } },
      headers,
    );

    expect(later.workflow_run_ids[0]).not.toBe(first.workflow_run_ids[0]);
  });
});
