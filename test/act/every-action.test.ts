import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { deliver, waitForProcessing } from '../support/deliveries.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';

const SECRET = 'whsec_actions_Hq4TzW8nVb2RkL6yQm2';
const MAPPINGS = '/v1/sources/custom/environments/development/mappings';
let sequence = 0;

/** Sends a signed AuthKit-style event whose data is `data`. */
async function send(url: string, event: string, data: Record<string, unknown>) {
  sequence += 1;
  const body = {
    id: `event_01JQ00000000000000000${String(sequence).padStart(5, '0')}`,
    event,
    data,
    created_at: new Date(Date.UTC(2025, 3, 1, 0, 0, sequence)).toISOString(),
  };
  const answer = await deliver(url, JSON.stringify(body), SECRET);
  expect(answer.status).toBe(200);
}

async function map(
  inlet: TestInlet,
  event_type: string,
  action_type: string,
  parameters: Record<string, unknown>,
) {
  const created = await inlet.api('POST', MAPPINGS, { event_type, action_type, parameters });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

describeEachEngine('every action type', (engine) => {
  it('sets and deletes tenants', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('custom', SECRET, 'development', {
      default_mappings: false,
    });
    await map(inlet, 'organization.created', 'tenants_set', {
      id: 'body.data.id',
      name: 'body.data.name',
      properties: { object: { plan: 'body.data.metadata.plan' } },
      settings: { object: { locale: { literal: 'en-GB' } } },
    });
    await map(inlet, 'organization.deleted', 'tenants_delete', { id: 'body.data.id' });

    await send(url, 'organization.created', {
      id: 'org_a',
      name: 'Acme',
      metadata: { plan: 'pro' },
    });
    await waitForProcessing(inlet, 'custom');
    const tenant = await inlet.api('GET', '/v1/tenants/org_a');
    expect(tenant.body.name).toBe('Acme');
    expect(tenant.body.properties.plan).toBe('pro');
    expect(tenant.body.settings.locale).toBe('en-GB');

    await send(url, 'organization.deleted', { id: 'org_a' });
    await waitForProcessing(inlet, 'custom');
    expect((await inlet.api('GET', '/v1/tenants/org_a')).status).toBe(404);
  });

  it('adds and removes audience members', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('custom', SECRET, 'development', {
      default_mappings: false,
    });
    await map(inlet, 'group.member_added', 'users_identify', { id: 'body.data.user_id' });
    await map(inlet, 'group.member_added', 'audiences_add_member', {
      audience: { template: 'group-{{ body.data.group_id }}' },
      users: 'body.data.user_id',
    });
    await map(inlet, 'group.member_removed', 'audiences_remove_member', {
      audience: { template: 'group-{{ body.data.group_id }}' },
      users: 'body.data.user_id',
    });

    await send(url, 'group.member_added', { group_id: 'g1', user_id: 'u1' });
    await send(url, 'group.member_added', { group_id: 'g1', user_id: 'u2' });
    await waitForProcessing(inlet, 'custom');
    const members = await inlet.api('GET', '/v1/audiences/group-g1/members');
    expect(members.body.data.map((member: any) => member.user_id).sort()).toEqual(['u1', 'u2']);

    await send(url, 'group.member_removed', { group_id: 'g1', user_id: 'u1' });
    await waitForProcessing(inlet, 'custom');
    const after = await inlet.api('GET', '/v1/audiences/group-g1/members');
    expect(after.body.data.map((member: any) => member.user_id)).toEqual(['u2']);
  });

  it('sets, subscribes, unsubscribes and deletes objects', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('custom', SECRET, 'development', {
      default_mappings: false,
    });
    await map(inlet, 'group.created', 'objects_set', {
      collection: { literal: 'teams' },
      id: 'body.data.id',
      name: 'body.data.name',
    });
    await map(inlet, 'group.member_added', 'users_identify', {
      id: 'body.data.user_id',
      email: 'body.data.email',
    });
    await map(inlet, 'group.member_added', 'objects_subscribe', {
      collection: { literal: 'teams' },
      id: 'body.data.group_id',
      recipients: 'body.data.user_id',
      properties: { object: { role: 'body.data.role' } },
    });
    await map(inlet, 'group.member_removed', 'objects_unsubscribe', {
      collection: { literal: 'teams' },
      id: 'body.data.group_id',
      recipients: 'body.data.user_id',
    });
    await map(inlet, 'group.deleted', 'objects_delete', {
      collection: { literal: 'teams' },
      id: 'body.data.id',
    });
    await map(inlet, 'user.deleted', 'users_delete', { id: 'body.data.id' });

    await send(url, 'group.created', { id: 't1', name: 'Platform' });
    await send(url, 'group.member_added', {
      group_id: 't1',
      user_id: 'u1',
      email: 'u1@example.test',
      role: 'lead',
    });
    await send(url, 'group.member_added', {
      group_id: 't1',
      user_id: 'u2',
      email: 'u2@example.test',
      role: 'member',
    });
    await waitForProcessing(inlet, 'custom');
    const subscriptions = await inlet.api('GET', '/v1/objects/teams/t1/subscriptions');
    expect(
      subscriptions.body.data.map((row: any) => [row.recipient_id, row.properties.role]),
    ).toEqual([
      ['u1', 'lead'],
      ['u2', 'member'],
    ]);

    await send(url, 'group.member_removed', { group_id: 't1', user_id: 'u1' });
    await send(url, 'user.deleted', { id: 'u2' });
    await waitForProcessing(inlet, 'custom');
    expect((await inlet.api('GET', '/v1/objects/teams/t1/subscriptions')).body.data).toEqual([]);
    expect((await inlet.api('GET', '/v1/users/u2')).status).toBe(404);

    await send(url, 'group.deleted', { id: 't1' });
    await waitForProcessing(inlet, 'custom');
    expect((await inlet.api('GET', '/v1/objects/teams/t1')).status).toBe(404);
  });
});
