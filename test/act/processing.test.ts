import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { deliver, deliverFixture, waitFor, waitForProcessing } from '../support/deliveries.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';
import { fixtureBytes } from '../support/workos.js';

const SECRET = 'whsec_processing_4kR7vQm2LxT9pWc4N';
const USER = 'directory_user_01JP27SM84DYFK3Y9FGMM7HSD3';
const ORG = 'org_01JP05DZY6H7MDPJZ3HW4H3ZK8';
const EVENTS = '/v1/sources/workos/environments/development/events';

function fixture(type: string): any {
  return JSON.parse(fixtureBytes(type).toString('utf8'));
}

async function eventWithActions(inlet: TestInlet, id: string): Promise<any> {
  const { body } = await inlet.api('GET', `${EVENTS}/${id}`);
  return body;
}

async function setup(engine: 'sqlite' | 'postgres', env: Record<string, string> = {}) {
  const inlet = await startTestInlet(engine, env);
  const url = await inlet.createWorkosSource('workos', SECRET);
  return { inlet, url };
}

describeEachEngine('event processing', (engine) => {
  it('skips an older snapshot as stale', async () => {
    const { inlet, url } = await setup(engine);
    await deliverFixture(url, 'dsync.user.updated', SECRET);
    await waitForProcessing(inlet, 'workos');
    const created = await deliverFixture(url, 'dsync.user.created', SECRET);
    await waitForProcessing(inlet, 'workos');

    const event = await eventWithActions(inlet, created.id);
    const identify = event.actions.find((action: any) => action.action_type === 'users_identify');
    expect(identify.status).toBe('skipped');
    expect(identify.result.outcome).toBe('stale');
    expect(event.status).toBe('processed');
    const user = await inlet.api('GET', `/v1/users/${USER}`);
    expect(user.body.properties.job_title).toBe('Data Engineer');
  });

  it('never resurrects a deleted user with a late update', async () => {
    const { inlet, url } = await setup(engine);
    await deliverFixture(url, 'dsync.user.created', SECRET);
    await deliverFixture(url, 'dsync.user.deleted', SECRET);
    await waitForProcessing(inlet, 'workos');
    await deliverFixture(url, 'dsync.user.updated', SECRET);
    await waitForProcessing(inlet, 'workos');

    const user = await inlet.api('GET', `/v1/users/${USER}`);
    expect(user.status).toBe(404);
  });

  it('upserts user and group from a membership that arrives first', async () => {
    const { inlet, url } = await setup(engine);
    const added = await deliverFixture(url, 'dsync.group.user_added', SECRET);
    await waitForProcessing(inlet, 'workos');

    const event = await eventWithActions(inlet, added.id);
    expect(event.actions.map((action: any) => action.action_type)).toEqual([
      'users_identify',
      'objects_set',
      'objects_subscribe',
    ]);
    expect(event.actions.map((action: any) => action.status)).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    const subscriptions = await inlet.api(
      'GET',
      '/v1/objects/directory_groups/directory_group_01JP27SNYYFZKNM76HMXGW62KC/subscriptions',
    );
    expect(subscriptions.body.data.map((row: any) => row.recipient_id)).toEqual([USER]);
  });

  it('subscribes directory admins to their organization', async () => {
    const { inlet, url } = await setup(engine);
    const admin = fixture('dsync.user.created');
    admin.id = 'event_01JP27SM84YXEK1SK9XRFPADMN';
    admin.data.id = 'directory_user_admin';
    admin.data.role = { slug: 'admin' };
    expect((await deliver(url, JSON.stringify(admin), SECRET)).status).toBe(200);
    await deliverFixture(url, 'dsync.user.created', SECRET);
    await waitForProcessing(inlet, 'workos');

    const subscriptions = await inlet.api('GET', `/v1/objects/organizations/${ORG}/subscriptions`);
    expect(subscriptions.body.data.map((row: any) => row.recipient_id)).toEqual([
      'directory_user_admin',
    ]);
    const { body } = await inlet.api('GET', `${EVENTS}?event_type=dsync.user.created`);
    const member = await eventWithActions(
      inlet,
      body.data.find((event: any) => event.provider_event_id !== admin.id).id,
    );
    const skipped = member.actions.find(
      (action: any) => action.action_type === 'objects_subscribe',
    );
    expect(skipped.status).toBe('skipped');
    expect(skipped.result.outcome).toBe('conditions_not_met');
  });

  it('runs nothing for a switched-off event type', async () => {
    const { inlet, url } = await setup(engine);
    const off = await inlet.api('PUT', '/v1/sources/workos/environments/development', {
      disabled_event_types: ['dsync.user.created'],
    });
    expect(off.status).toBe(200);
    const recorded = await deliverFixture(url, 'dsync.user.created', SECRET);

    const event = await eventWithActions(inlet, recorded.id);
    expect(event.status).toBe('skipped');
    expect(event.actions).toEqual([]);
    expect((await inlet.api('GET', `/v1/users/${USER}`)).status).toBe(404);
  });

  it('records a missing required value and runs the other actions', async () => {
    const { inlet, url } = await setup(engine);
    const created = await inlet.api(
      'POST',
      '/v1/sources/workos/environments/development/mappings',
      {
        event_type: 'dsync.user.created',
        action_type: 'tenants_set',
        parameters: { id: 'body.data.tenant_that_is_not_there' },
      },
    );
    expect(created.status).toBe(201);
    const recorded = await deliverFixture(url, 'dsync.user.created', SECRET);
    await waitForProcessing(inlet, 'workos');

    const event = await eventWithActions(inlet, recorded.id);
    const tenant = event.actions.find((action: any) => action.action_type === 'tenants_set');
    expect(tenant.status).toBe('skipped');
    expect(tenant.error.code).toBe('parameter_missing');
    expect(tenant.error.message).toContain('id');
    expect(
      event.actions.find((action: any) => action.action_type === 'users_identify').status,
    ).toBe('succeeded');
    expect(event.status).toBe('partially_failed');
  });

  it('records a type mismatch as a failed action', async () => {
    const { inlet, url } = await setup(engine);
    await inlet.api('POST', '/v1/sources/workos/environments/development/mappings', {
      event_type: 'dsync.user.created',
      action_type: 'objects_set',
      parameters: {
        collection: { literal: 'teams' },
        id: 'body.data.id',
        properties: 'body.data.emails',
      },
    });
    const recorded = await deliverFixture(url, 'dsync.user.created', SECRET);
    await waitForProcessing(inlet, 'workos');

    const event = await eventWithActions(inlet, recorded.id);
    const set = event.actions.find((action: any) => action.action_type === 'objects_set');
    expect(set.status).toBe('failed');
    expect(set.error.code).toBe('parameter_invalid');
    expect(set.error.message).toContain('properties');
  });

  it('runs actions in the fixed order by type', async () => {
    const { inlet, url } = await setup(engine);
    const base = '/v1/sources/workos/environments/development/mappings';
    await inlet.api('POST', base, {
      event_type: 'dsync.user.created',
      action_type: 'audiences_add_member',
      parameters: { audience: { literal: 'everyone' }, users: 'body.data.id' },
    });
    await inlet.api('POST', base, {
      event_type: 'dsync.user.created',
      action_type: 'tenants_set',
      parameters: { id: 'body.data.organization_id' },
    });
    const recorded = await deliverFixture(url, 'dsync.user.created', SECRET);
    await waitForProcessing(inlet, 'workos');

    const event = await eventWithActions(inlet, recorded.id);
    expect(event.actions.map((action: any) => action.action_type)).toEqual([
      'users_identify',
      'tenants_set',
      'objects_subscribe',
      'audiences_add_member',
    ]);
    const members = await inlet.api('GET', '/v1/audiences/everyone/members');
    expect(members.body.data.map((member: any) => member.user_id)).toEqual([USER]);
  });

  it('retries a failing action, then succeeds', async () => {
    const { inlet, url } = await setup(engine, {
      INLET_JOB_BACKOFF_BASE_MS: '20',
      INLET_JOB_BACKOFF_MAX_MS: '50',
    });
    const db = inlet.inlet.database.db;
    await sql`alter table users rename to users_away`.execute(db);
    const recorded = await deliverFixture(url, 'dsync.user.created', SECRET);

    await waitFor(async () => {
      const event = await eventWithActions(inlet, recorded.id);
      const identify = event.actions?.find(
        (action: any) => action.action_type === 'users_identify',
      );
      return identify?.status === 'retrying' ? identify : undefined;
    }, 'a retrying identify');
    await sql`alter table users_away rename to users`.execute(db);
    await waitForProcessing(inlet, 'workos');

    const event = await eventWithActions(inlet, recorded.id);
    const identify = event.actions.find((action: any) => action.action_type === 'users_identify');
    expect(identify.status).toBe('succeeded');
    expect(identify.attempts).toBeGreaterThanOrEqual(2);
    expect(event.status).toBe('processed');
    expect((await inlet.api('GET', `/v1/users/${USER}`)).status).toBe(200);
  });

  it('marks an event failed after the last attempt', async () => {
    const { inlet, url } = await setup(engine, {
      INLET_JOB_BACKOFF_BASE_MS: '10',
      INLET_JOB_BACKOFF_MAX_MS: '20',
      INLET_JOB_MAX_ATTEMPTS: '3',
    });
    await sql`alter table users rename to users_away`.execute(inlet.inlet.database.db);
    const recorded = await deliverFixture(url, 'dsync.user.created', SECRET);
    await waitForProcessing(inlet, 'workos');

    const event = await eventWithActions(inlet, recorded.id);
    const identify = event.actions.find((action: any) => action.action_type === 'users_identify');
    expect(identify.status).toBe('failed');
    expect(identify.attempts).toBe(3);
    expect(identify.error.code).toBe('action_error');
    expect(event.status).toBe('failed');
    await sql`alter table users_away rename to users`.execute(inlet.inlet.database.db);
  });

  it('replays without duplicating effects', async () => {
    const { inlet, url } = await setup(engine);
    const recorded = await deliverFixture(url, 'dsync.group.user_added', SECRET);
    await waitForProcessing(inlet, 'workos');

    const one = await inlet.api('POST', `${EVENTS}/${recorded.id}/replay`);
    expect(one.status).toBe(200);
    expect(one.body.status).toBe('processed');
    expect(one.body.run).toBe(1);
    const many = await inlet.api('POST', `${EVENTS}/replay`, {
      event_type: 'dsync.group.user_added',
    });
    expect(many.body.data).toHaveLength(1);
    expect(many.body.data[0].run).toBe(2);

    const event = await eventWithActions(inlet, recorded.id);
    expect(event.actions.filter((action: any) => action.run === 2)).toHaveLength(3);
    const subscriptions = await inlet.api(
      'GET',
      '/v1/objects/directory_groups/directory_group_01JP27SNYYFZKNM76HMXGW62KC/subscriptions',
    );
    expect(subscriptions.body.data).toHaveLength(1);
    const users = await inlet.api('GET', '/v1/users');
    expect(users.body.data).toHaveLength(1);
  });

  it('rehearses a sample without side effects', async () => {
    const { inlet } = await setup(engine);
    const result = await inlet.api('POST', '/v1/sources/workos/environments/production/rehearse', {
      body: fixture('dsync.user.created'),
    });

    expect(result.status).toBe(200);
    expect(result.body.status).toBe('ok');
    const identify = result.body.actions.find(
      (action: any) => action.action_type === 'users_identify',
    );
    expect(identify.resolved.email).toBe('ifeoma.adeyemi@larkspur-analytics.example');
    expect(identify.resolved.name).toBe('Ifeoma Adeyemi');
    expect(identify.resolved.properties.role).toBe('member');
    expect((await inlet.api('GET', `/v1/users/${USER}`, undefined)).status).toBe(404);

    const broken = fixture('dsync.user.created');
    delete broken.data.id;
    const failed = await inlet.api('POST', '/v1/sources/workos/environments/development/rehearse', {
      body: broken,
    });
    expect(failed.body.status).toBe('error');
    expect(failed.body.errors.map((error: any) => error.field)).toContain('id');
  });

  it('deduplicates a redelivered event without running it twice', async () => {
    const { inlet, url } = await setup(engine);
    const first = await deliverFixture(url, 'dsync.user.created', SECRET);
    const second = await deliverFixture(url, 'dsync.user.created', SECRET);
    await waitForProcessing(inlet, 'workos');

    expect(second.duplicate).toBe(true);
    expect(second.id).toBe(first.id);
    const event = await eventWithActions(inlet, first.id);
    expect(
      event.actions.filter((action: any) => action.action_type === 'users_identify'),
    ).toHaveLength(1);
  });
});
