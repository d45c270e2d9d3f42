import { expect, it } from 'vitest';
import { WORKOS_DEFAULT_MAPPINGS } from '../../src/providers/workos/default-mappings.js';
import { deliverFixture, waitForProcessing } from '../support/deliveries.js';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet } from '../support/inlet.js';

const SECRET = 'whsec_dashboard_api_secret';
const ENVIRONMENT = '/v1/sources/crm/environments/development';

describeEachEngine('dashboard API', (engine) => {
  it('counts events per hour and per source', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('crm', SECRET);
    await inlet.api('PUT', '/v1/sources/idle', { name: 'Idle', provider: 'workos' });
    await deliverFixture(url, 'dsync.user.created', SECRET);
    await deliverFixture(url, 'dsync.group.created', SECRET);
    await waitForProcessing(inlet, 'crm');

    const day = await inlet.api('GET', `${ENVIRONMENT}/stats`);
    expect(day.status).toBe(200);
    expect(day.body.window).toBe('24h');
    expect(day.body.buckets).toHaveLength(24);
    const current = day.body.buckets.at(-1);
    expect(current.start).toBe(
      new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString(),
    );
    expect(current.total).toBe(2);
    expect(current.counts.processed).toBe(2);
    expect(day.body.buckets.slice(0, -1).every((bucket: any) => bucket.total === 0)).toBe(true);

    const week = await inlet.api('GET', `${ENVIRONMENT}/stats?window=7d`);
    expect(week.body.buckets).toHaveLength(168);
    const bad = await inlet.api('GET', `${ENVIRONMENT}/stats?window=1y`);
    expect(bad.status).toBe(400);

    const sources = await inlet.api('GET', '/v1/sources');
    const byKey = Object.fromEntries(sources.body.data.map((source: any) => [source.key, source]));
    expect(byKey.crm.events_24h).toBe(2);
    expect(Date.parse(byKey.crm.last_event_at)).toBeGreaterThan(Date.now() - 60_000);
    expect(byKey.idle.events_24h).toBe(0);
    expect(byKey.idle.last_event_at).toBeNull();
  });

  it('finds an event by provider event id', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('crm', SECRET);
    await deliverFixture(url, 'dsync.user.created', SECRET);
    await deliverFixture(url, 'dsync.group.created', SECRET);
    const all = await waitForProcessing(inlet, 'crm');
    const groupEvent = all.find((event) => event.event_type === 'dsync.group.created');

    const found = await inlet.api(
      'GET',
      `${ENVIRONMENT}/events?provider_event_id=${groupEvent.provider_event_id}`,
    );
    expect(found.body.data.map((event: any) => event.id)).toEqual([groupEvent.id]);
    const none = await inlet.api('GET', `${ENVIRONMENT}/events?provider_event_id=event_missing`);
    expect(none.body.data).toEqual([]);

    const replayed = await inlet.api('POST', `${ENVIRONMENT}/events/replay`, {
      provider_event_id: groupEvent.provider_event_id,
    });
    expect(replayed.status).toBe(200);
    expect(replayed.body.data.map((result: any) => result.event_id)).toEqual([groupEvent.id]);
  });

  it('resolves every default mapping on its sample', async () => {
    const inlet = await startTestInlet(engine);
    await inlet.api('PUT', '/v1/sources/crm', { name: 'CRM', provider: 'workos' });
    const eventTypes = [...new Set(WORKOS_DEFAULT_MAPPINGS.map((mapping) => mapping.event_type))];

    for (const eventType of eventTypes) {
      const sample = await inlet.api('GET', `/v1/providers/workos/event-types/${eventType}/sample`);
      const rehearsal = await inlet.api('POST', `${ENVIRONMENT}/rehearse`, {
        body: sample.body.body,
      });
      expect(rehearsal.body.errors, `${eventType}: ${JSON.stringify(rehearsal.body)}`).toEqual([]);
    }
  });

  it('shows the sample body of an event type', async () => {
    const inlet = await startTestInlet(engine);
    const sample = await inlet.api(
      'GET',
      '/v1/providers/workos/event-types/dsync.user.created/sample',
    );
    expect(sample.status).toBe(200);
    expect(sample.body.body.event).toBe('dsync.user.created');
    expect(sample.body.body.data.first_name).toBe('Ifeoma');
    const unknown = await inlet.api(
      'GET',
      '/v1/providers/workos/event-types/dsync.usr.created/sample',
    );
    expect(unknown.status).toBe(404);
  });

  it('shows why an event failed in the log', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('crm', SECRET, 'development', {
      default_mappings: false,
    });
    const mapping = await inlet.api('POST', `${ENVIRONMENT}/mappings`, {
      event_type: 'dsync.user.created',
      action_type: 'users_identify',
      parameters: { id: 'body.data.no_such_id' },
    });
    await deliverFixture(url, 'dsync.user.created', SECRET);
    const [failed] = await waitForProcessing(inlet, 'crm');

    expect(failed.status).toBe('failed');
    expect(failed.error.code).toBe('parameter_missing');
    expect(failed.error.message).toMatch(/^users_identify: /);

    await inlet.api('PATCH', `${ENVIRONMENT}/mappings/${mapping.body.id}`, {
      parameters: { id: 'body.data.id' },
    });
    await inlet.api('POST', `${ENVIRONMENT}/events/${failed.id}/replay`);
    const replayed = await inlet.api('GET', `${ENVIRONMENT}/events/${failed.id}`);
    expect(replayed.body.status).toBe('processed');
    expect(replayed.body.error).toBeNull();
  });

  it('installs only the chosen default mappings', async () => {
    const inlet = await startTestInlet(engine);
    const listed = await inlet.api('GET', '/v1/providers/workos/default-mappings');
    expect(listed.body.data.map((mapping: any) => mapping.key)).toEqual(
      WORKOS_DEFAULT_MAPPINGS.map((mapping) => mapping.key),
    );
    const chosen = WORKOS_DEFAULT_MAPPINGS.slice(0, 2).map((mapping) => mapping.key);

    const created = await inlet.api('PUT', '/v1/sources/crm', {
      name: 'CRM',
      provider: 'workos',
      default_mappings: chosen,
    });
    expect(created.status).toBe(201);
    const mappings = await inlet.api('GET', `${ENVIRONMENT}/mappings`);
    expect(mappings.body.data.map((mapping: any) => mapping.default_key).sort()).toEqual(
      [...chosen].sort(),
    );

    const unknown = await inlet.api('PUT', '/v1/sources/other', {
      name: 'Other',
      provider: 'workos',
      default_mappings: ['no.such:default'],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.message).toContain('no.such:default');
    expect((await inlet.api('GET', '/v1/sources/other')).status).toBe(404);
  });

  it('previews an unsaved mapping against a stored event', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('crm', SECRET, 'development', {
      default_mappings: false,
    });
    const { id } = await deliverFixture(url, 'dsync.user.created', SECRET);
    await waitForProcessing(inlet, 'crm');

    const preview = await inlet.api('POST', `${ENVIRONMENT}/rehearse`, {
      event_id: id,
      mapping: {
        action_type: 'users_identify',
        parameters: { id: 'body.data.id', email: 'body.data.no_such_field' },
      },
    });
    expect(preview.status).toBe(200);
    expect(preview.body.actions).toHaveLength(1);
    const [action] = preview.body.actions;
    expect(action.mapping_id).toBeNull();
    expect(action.resolved.id).toMatch(/^directory_user_/);
    expect(action.resolved).not.toHaveProperty('email');
    expect((await inlet.api('GET', `${ENVIRONMENT}/mappings`)).body.data).toEqual([]);

    const missing = await inlet.api('POST', `${ENVIRONMENT}/rehearse`, {
      event_id: id,
      mapping: { action_type: 'users_identify', parameters: { email: 'body.data.email' } },
    });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain('parameters.id');
  });

  it('reorders the mappings of one event type', async () => {
    const inlet = await startTestInlet(engine);
    await inlet.api('PUT', '/v1/sources/crm', {
      name: 'CRM',
      provider: 'workos',
      default_mappings: false,
    });
    const ids: string[] = [];
    for (const workflow of ['first', 'second', 'third']) {
      const created = await inlet.api('POST', `${ENVIRONMENT}/mappings`, {
        event_type: 'user.created',
        action_type: 'workflows_trigger',
        parameters: { workflow: { literal: workflow }, recipients: 'body.data.id' },
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      ids.push(created.body.id);
    }

    const reordered = await inlet.api('POST', `${ENVIRONMENT}/mappings/reorder`, {
      event_type: 'user.created',
      mapping_ids: [ids[2], ids[0], ids[1]],
    });
    expect(reordered.status).toBe(200);
    expect(reordered.body.data.map((mapping: any) => mapping.id)).toEqual([ids[2], ids[0], ids[1]]);
    const listed = await inlet.api('GET', `${ENVIRONMENT}/mappings?event_type=user.created`);
    expect(listed.body.data.map((mapping: any) => mapping.id)).toEqual([ids[2], ids[0], ids[1]]);

    const partial = await inlet.api('POST', `${ENVIRONMENT}/mappings/reorder`, {
      event_type: 'user.created',
      mapping_ids: [ids[0], ids[1]],
    });
    expect(partial.status).toBe(400);
    const repeated = await inlet.api('POST', `${ENVIRONMENT}/mappings/reorder`, {
      event_type: 'user.created',
      mapping_ids: [ids[0], ids[0], ids[1]],
    });
    expect(repeated.status).toBe(400);
  });

  it('searches users, objects and tenants', async () => {
    const inlet = await startTestInlet(engine);
    await inlet.api('PUT', '/v1/users/u_1', { name: 'Ada Lovelace', email: 'ada@example.test' });
    await inlet.api('PUT', '/v1/users/u_2', { name: 'Grace Hopper', email: 'grace@example.test' });
    await inlet.api('PUT', '/v1/users/u_3', { name: '100%_done', email: 'x@example.test' });
    await inlet.api('PUT', '/v1/tenants/org_larkspur', { name: 'Larkspur Analytics' });
    await inlet.api('PUT', '/v1/tenants/org_other', { name: 'Other' });
    await inlet.api('PUT', '/v1/objects/projects/apollo', { name: 'Apollo' });
    await inlet.api('PUT', '/v1/objects/projects/gemini', { name: 'Gemini' });
    await inlet.api('PUT', '/v1/objects/teams/core', {});

    const ids = async (path: string) =>
      (await inlet.api('GET', path)).body.data.map((item: any) => item.id);
    expect(await ids('/v1/users?search=GRACE')).toEqual(['u_2']);
    expect(await ids('/v1/users?search=ada%40')).toEqual(['u_1']);
    expect(await ids('/v1/users?search=%25_')).toEqual(['u_3']);
    expect(await ids('/v1/users?search=_')).toEqual(['u_1', 'u_2', 'u_3']);
    expect(await ids('/v1/tenants?search=larks')).toEqual(['org_larkspur']);
    expect(await ids('/v1/objects/projects?search=gem')).toEqual(['gemini']);

    const collections = await inlet.api('GET', '/v1/objects');
    expect(collections.body.data).toEqual([
      { collection: 'projects', count: 2 },
      { collection: 'teams', count: 1 },
    ]);
  });

  it('lists audiences with member counts', async () => {
    const inlet = await startTestInlet(engine);
    await inlet.api('PUT', '/v1/users/u_1', {});
    await inlet.api('PUT', '/v1/users/u_2', {});
    await inlet.api('POST', '/v1/audiences/beta/members', {
      members: [{ user_id: 'u_1' }, { user_id: 'u_2' }],
    });
    await inlet.api('POST', '/v1/audiences/admins/members', { members: [{ user_id: 'u_1' }] });

    const listed = await inlet.api('GET', '/v1/audiences');
    expect(listed.body.data).toEqual([
      { key: 'admins', member_count: 1 },
      { key: 'beta', member_count: 2 },
    ]);
    const searched = await inlet.api('GET', '/v1/audiences?search=BET');
    expect(searched.body.data).toEqual([{ key: 'beta', member_count: 2 }]);
    const production = await inlet.api('GET', '/v1/audiences?environment=production');
    expect(production.body.data).toEqual([]);
  });

  it('validates a workflow without saving it', async () => {
    const inlet = await startTestInlet(engine);
    const invalid = await inlet.api('POST', '/v1/workflows/welcome/validate', {
      name: 'Welcome',
      steps: [{ type: 'carrier_pigeon' }],
    });
    expect(invalid.status).toBe(200);
    expect(invalid.body.valid).toBe(false);
    expect(invalid.body.errors[0].path).toBe('steps[0].type');

    const mismatch = await inlet.api('POST', '/v1/workflows/welcome/validate', {
      key: 'other',
      name: 'Welcome',
      steps: [{ ref: 'feed', type: 'in_app_feed', template: { body: 'Hello' } }],
    });
    expect(mismatch.body.errors.map((error: any) => error.path)).toContain('key');

    const many = await inlet.api('POST', '/v1/workflows/welcome/validate', {
      name: 'Welcome',
      steps: Array.from({ length: 1000 }, () => 1),
    });
    expect(many.body.valid).toBe(false);
    expect(many.body.errors.length).toBeLessThanOrEqual(100);
    expect(many.body.error_count).toBeGreaterThan(100);
    expect((await inlet.api('GET', '/v1/workflows/welcome')).status).toBe(404);
  });
});
