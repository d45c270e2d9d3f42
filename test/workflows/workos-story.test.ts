import { expect, it } from 'vitest';
import { CONNECTION_ACTIVATED_WORKFLOW } from '../../src/providers/workos/default-mappings.js';
import { deliver, waitForProcessing } from '../support/deliveries.js';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import { fixtureBytes } from '../support/workos.js';
import { controlClock, ok, putWorkflow, smtpChannel, startSmtpSink, waitFor } from './support.js';

const SECRET = 'whsec_story_workflows_Vb2RkL6yHq4T';
const ORG = 'org_01JP05DZY6H7MDPJZ3HW4H3ZK8';
const ADMINS = ['directory_user_admin_ada', 'directory_user_admin_bo'];
const EVENTS = '/v1/sources/workos/environments/development/events';
let sequence = 0;

/** A dsync.user.created delivery for a new user of the fixture organization. */
function directoryUser(id: string, role: string): string {
  const body = JSON.parse(fixtureBytes('dsync.user.created').toString('utf8'));
  sequence += 1;
  body.id = `event_01JP27SM84YXEK1SK9X${String(sequence).padStart(7, '0')}`;
  body.data.id = id;
  body.data.email = `${id}@larkspur-analytics.example`;
  body.data.name = id;
  body.data.role = { slug: role };
  return JSON.stringify(body);
}

async function sendAll(url: string, bodies: string[], concurrency = 16): Promise<void> {
  for (let start = 0; start < bodies.length; start += concurrency) {
    const answers = await Promise.all(
      bodies.slice(start, start + concurrency).map((body) => deliver(url, body, SECRET)),
    );
    for (const answer of answers) expect(answer.status).toBe(200);
  }
}

async function setUpAdmins(inlet: TestInlet, url: string): Promise<void> {
  await sendAll(
    url,
    ADMINS.map((id) => directoryUser(id, 'admin')),
  );
  await waitForProcessing(inlet, 'workos');
  const subscribers = await ok(inlet, 'GET', `/v1/objects/organizations/${ORG}/subscriptions`);
  expect(subscribers.data.map((row: any) => row.recipient_id).sort()).toEqual(ADMINS);
}

describeEachEngine('WorkOS deliveries to notifications', (engine) => {
  it('notifies each admin by email and feed when SSO goes live', async () => {
    const inlet = await startTestInlet(engine);
    const sink = await startSmtpSink();
    await ok(inlet, 'PUT', '/v1/channels/smtp', smtpChannel(sink));
    await putWorkflow(inlet, CONNECTION_ACTIVATED_WORKFLOW, {
      name: 'SSO connection activated',
      steps: [
        {
          ref: 'feed',
          type: 'in_app_feed',
          template: { markdown: '{{ data.connection_name }} is active.' },
        },
        {
          ref: 'email',
          type: 'email',
          channel: 'smtp',
          template: {
            subject: 'Single sign-on is active',
            text_body:
              'Hi {{ recipient.name }}, {{ data.connection_name }} ({{ data.connection_type }}) is active.',
          },
        },
      ],
    });
    const url = await inlet.createWorkosSource('workos', SECRET);
    await setUpAdmins(inlet, url);

    const recorded = await deliver(url, fixtureBytes('connection.activated'), SECRET);
    expect(recorded.status).toBe(200);
    await waitFor(async () => sink.messages.length === ADMINS.length, 'an email per admin');

    expect(
      sink.messages.map((mail) => (mail.to && 'text' in mail.to ? mail.to.text : '')).sort(),
    ).toEqual(ADMINS.map((id) => `${id}@larkspur-analytics.example`));
    for (const mail of sink.messages) {
      expect(mail.subject).toBe('Single sign-on is active');
      expect(mail.text).toContain('Larkspur Analytics Okta (OktaSAML) is active.');
    }
    for (const admin of ADMINS) {
      const feed = await ok(inlet, 'GET', `/v1/users/${admin}/feeds/default`);
      expect(feed.data.map((message: any) => message.content.markdown)).toEqual([
        'Larkspur Analytics Okta is active.',
      ]);
      expect(feed.unread_count).toBe(1);
    }

    // Every step is reachable from the source event: its trigger action names the runs, and
    // the messages carry the event id.
    const event = await ok(inlet, 'GET', `${EVENTS}/${recorded.body.id}`);
    expect(event.status).toBe('processed');
    const trigger = event.actions.find((action: any) => action.action_type === 'workflows_trigger');
    expect(trigger.status).toBe('succeeded');
    expect(trigger.result.workflow_run_ids).toHaveLength(ADMINS.length);
    const messages = await waitFor(async () => {
      const page = await ok(inlet, 'GET', `/v1/messages?source_event_id=${recorded.body.id}`);
      return page.data.length === 2 * ADMINS.length ? page.data : undefined;
    }, 'four messages of the event');
    expect(new Set(messages.map((message: any) => message.run_id))).toEqual(
      new Set(trigger.result.workflow_run_ids),
    );
    for (const runId of trigger.result.workflow_run_ids) {
      const run = await ok(inlet, 'GET', `/v1/workflow-runs/${runId}`);
      expect(run.source_event_id).toBe(recorded.body.id);
      expect(run.action_log_id).toBe(trigger.id);
    }
  });

  it('sends one digest per admin for a first sync of 200 users', async () => {
    const inlet = await startTestInlet(engine);
    const clock = controlClock(inlet);
    await putWorkflow(inlet, 'directory-sync-digest', {
      name: 'Directory sync digest',
      steps: [
        { ref: 'collect', type: 'batch', window: '10m', key_path: 'data.organization_id' },
        {
          ref: 'digest',
          type: 'in_app_feed',
          template: {
            markdown:
              '{{ batch.count }} people joined {{ batch.key }}, first {{ batch.items[0].data.name }}.',
          },
        },
      ],
    });
    const url = await inlet.createWorkosSource('workos', SECRET);
    await setUpAdmins(inlet, url);
    const mapping = await ok(
      inlet,
      'POST',
      '/v1/sources/workos/environments/development/mappings',
      {
        event_type: 'dsync.user.created',
        action_type: 'workflows_trigger',
        parameters: {
          workflow: { literal: 'directory-sync-digest' },
          recipients: {
            object: { collection: { literal: 'organizations' }, id: 'body.data.organization_id' },
          },
          data: {
            object: { organization_id: 'body.data.organization_id', name: 'body.data.name' },
          },
        },
      },
    );
    expect(mapping.id).toBeTypeOf('string');

    await sendAll(
      url,
      Array.from({ length: 200 }, (_, index) =>
        directoryUser(`directory_user_member_${index}`, 'member'),
      ),
    );
    await waitForProcessing(inlet, 'workos', 'development', 60_000);
    await waitFor(
      async () => {
        const rows = await inlet.inlet.database.db
          .selectFrom('workflow_runs')
          .select('id')
          .where('status', '=', 'waiting')
          .execute();
        return rows.length === 200 * ADMINS.length;
      },
      '400 runs waiting in the batch',
      60_000,
    );

    await clock.advance(10 * 60 * 1000);
    for (const admin of ADMINS) {
      const feed = await waitFor(async () => {
        const page = await ok(inlet, 'GET', `/v1/users/${admin}/feeds/default`);
        return page.data.length > 0 ? page : undefined;
      }, `the digest of ${admin}`);
      expect(feed.data).toHaveLength(1);
      expect(feed.data[0].content.markdown).toMatch(
        new RegExp(`^200 people joined ${ORG}, first directory_user_member_\\d+\\.$`),
      );
    }
    const digests = await ok(inlet, 'GET', '/v1/messages?workflow=directory-sync-digest');
    expect(digests.data).toHaveLength(ADMINS.length);
  });
});
