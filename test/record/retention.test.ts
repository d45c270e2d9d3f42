import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { deliverFixture, waitFor, waitForProcessing } from '../support/deliveries.js';
import { startTestInlet } from '../support/inlet.js';

const SECRET = 'whsec_retention_T9pWc4NkR7vQm2Lx';
const DAY_MS = 86_400_000;

describeEachEngine('retention sweep', (engine) => {
  it('forgets old events and their deduplication entry', async () => {
    const inlet = await startTestInlet(engine, { INLET_RETENTION_DAYS: '30' });
    const url = await inlet.createWorkosSource('workos', SECRET);
    const first = await deliverFixture(url, 'dsync.user.created', SECRET);
    await waitForProcessing(inlet, 'workos');

    const kept = await inlet.inlet.retention.sweep(new Date(Date.now() + 29 * DAY_MS));
    expect(kept.events).toBe(0);
    const swept = await inlet.inlet.retention.sweep(new Date(Date.now() + 31 * DAY_MS));
    expect(swept.events).toBe(1);

    const events = await inlet.api('GET', '/v1/sources/workos/environments/development/events');
    expect(events.body.data).toEqual([]);
    const again = await deliverFixture(url, 'dsync.user.created', SECRET);
    expect(again.duplicate).toBe(false);
    expect(again.id).not.toBe(first.id);
  });

  it('deletes old messages and finished runs', async () => {
    const inlet = await startTestInlet(engine);
    await inlet.api('PUT', '/v1/users/u1', { name: 'Ada' });
    const saved = await inlet.api('PUT', '/v1/workflows/welcome', {
      name: 'Welcome',
      steps: [
        { ref: 'feed', type: 'in_app_feed', template: { markdown: 'Hello {{ recipient.name }}' } },
      ],
    });
    expect(saved.status).toBeLessThan(300);
    const triggered = await inlet.api('POST', '/v1/workflows/welcome/trigger', {
      recipients: ['u1'],
    });
    expect(triggered.status).toBeLessThan(300);
    await waitFor(async () => {
      const feed = await inlet.api('GET', '/v1/users/u1/feeds/default');
      return feed.body.data?.length === 1 ? feed : undefined;
    }, 'the feed message');
    await waitFor(async () => {
      const run = await inlet.api('GET', `/v1/workflow-runs/${triggered.body.workflow_run_ids[0]}`);
      return run.body.status === 'completed' ? run : undefined;
    }, 'the run to finish');

    const swept = await inlet.inlet.retention.sweep(new Date(Date.now() + 31 * DAY_MS));
    expect(swept.messages).toBe(1);
    expect(swept.workflow_runs).toBe(1);
    const feed = await inlet.api('GET', '/v1/users/u1/feeds/default');
    expect(feed.body.data).toEqual([]);
  });
});
