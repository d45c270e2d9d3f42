import { expect, it } from 'vitest';
import { CONNECTION_ACTIVATED_WORKFLOW } from '../../src/providers/workos/default-mappings.js';
import { buildDelivery, postDelivery, uniqueEventId } from '../receive/deliveries.js';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet } from '../support/inlet.js';
import { fixtureBytes } from '../support/workos.js';
import { ok, putWorkflow, waitFor } from './support.js';

const SECRET = 'whsec_workflow_trace_Jd8Kx2Lw5Mz7';

function fixture(eventType: string, change: (body: any) => void): Buffer {
  const body = JSON.parse(fixtureBytes(eventType).toString('utf8'));
  body.id = uniqueEventId();
  change(body);
  return Buffer.from(JSON.stringify(body, null, 2));
}

describeEachEngine('workflow traceability', (engine) => {
  it('links event, action log, run and message', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('directory', SECRET);
    await putWorkflow(inlet, CONNECTION_ACTIVATED_WORKFLOW, {
      name: 'SSO connection activated',
      steps: [
        {
          ref: 'feed',
          type: 'in_app_feed',
          template: { markdown: 'SSO {{ data.connection_name }} is active for {{ tenant.id }}' },
        },
      ],
    });

    // A directory admin subscribes to its organization, so the connection event reaches them.
    const admin = fixture('dsync.user.created', (body) => {
      body.data.role = { slug: 'admin' };
    });
    expect(
      (await postDelivery(url, await buildDelivery({ body: admin, secret: SECRET }))).status,
    ).toBe(200);
    const adminId = JSON.parse(admin.toString()).data.id as string;
    const organizationId = JSON.parse(admin.toString()).data.organization_id as string;
    await waitFor(async () => {
      const page = await ok(
        inlet,
        'GET',
        `/v1/objects/organizations/${organizationId}/subscriptions`,
      ).catch(() => undefined);
      return page?.data.some((subscription: any) => subscription.recipient_id === adminId);
    }, 'the admin subscription');

    const activated = fixture('connection.activated', () => {});
    expect(
      (await postDelivery(url, await buildDelivery({ body: activated, secret: SECRET }))).status,
    ).toBe(200);
    const providerId = JSON.parse(activated.toString()).id as string;
    const events = await ok(
      inlet,
      'GET',
      '/v1/sources/directory/environments/development/events?event_type=connection.activated',
    );
    const eventId = events.data.find((event: any) => event.provider_event_id === providerId)
      .id as string;

    // Forward: event -> message.
    const [message] = await waitFor(async () => {
      const page = await ok(inlet, 'GET', `/v1/messages?source_event_id=${eventId}`);
      return page.data.length > 0 ? page.data : undefined;
    }, 'the message of the connection event');
    expect(message.recipient_id).toBe(adminId);
    expect(message.content.markdown).toBe(
      `SSO Larkspur Analytics Okta is active for ${organizationId}`,
    );

    // Back: message -> run -> action log -> event.
    const run = await ok(inlet, 'GET', `/v1/workflow-runs/${message.run_id}`);
    expect(run.source_event_id).toBe(eventId);
    expect(run.workflow).toBe(CONNECTION_ACTIVATED_WORKFLOW);
    const event = await ok(
      inlet,
      'GET',
      `/v1/sources/directory/environments/development/events/${eventId}`,
    );
    const triggerLog = event.actions.find(
      (action: any) => action.action_type === 'workflows_trigger',
    );
    expect(triggerLog.id).toBe(run.action_log_id);
    expect(triggerLog.result.workflow_run_ids).toEqual([run.id]);
    const runs = await ok(inlet, 'GET', `/v1/workflow-runs?action_log_id=${run.action_log_id}`);
    expect(runs.data.map((summary: any) => summary.id)).toEqual([run.id]);
  });
});
