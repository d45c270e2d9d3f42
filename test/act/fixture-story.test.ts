import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { deliverFixture, FIXTURE_STORY, waitForProcessing } from '../support/deliveries.js';
import { startTestInlet, type TestInlet } from '../support/inlet.js';

const SECRET = 'whsec_story_9aVbQm2LxT9pWc4NkR7v';
const ORG = 'org_01JP05DZY6H7MDPJZ3HW4H3ZK8';
const DIRECTORY_USER = 'directory_user_01JP27SM84DYFK3Y9FGMM7HSD3';
const GROUP = 'directory_group_01JP27SNYYFZKNM76HMXGW62KC';
const AUTHKIT_USER = 'user_01JP4Z915BRTZYDTFXYXPWPNMH';

async function deliverAll(inlet: TestInlet, url: string, types: readonly string[]) {
  for (const type of types) await deliverFixture(url, type, SECRET);
  return waitForProcessing(inlet, 'workos');
}

/** Snapshot of everything the story's mappings write, for comparing two deliveries. */
async function dataState(inlet: TestInlet) {
  const get = async (path: string) => {
    const { status, body } = await inlet.api('GET', path);
    return status === 200 ? body : { status };
  };
  const strip = (record: any) =>
    record && typeof record === 'object'
      ? { ...record, created_at: undefined, updated_at: undefined }
      : record;
  return {
    directoryUser: strip(await get(`/v1/users/${DIRECTORY_USER}`)),
    authkitUser: strip(await get(`/v1/users/${AUTHKIT_USER}`)),
    group: strip(await get(`/v1/objects/directory_groups/${GROUP}`)),
    subscriptions: (await get(`/v1/objects/directory_groups/${GROUP}/subscriptions`)).data ?? [],
    tenant: strip(await get(`/v1/tenants/${ORG}`)),
  };
}

describeEachEngine('WorkOS fixture story', (engine) => {
  it('builds users, group objects, subscriptions and a tenant', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('workos', SECRET);

    await deliverAll(inlet, url, FIXTURE_STORY.slice(0, 6));

    const user = await inlet.api('GET', `/v1/users/${DIRECTORY_USER}`);
    expect(user.status).toBe(200);
    expect(user.body.email).toBe('ifeoma.adeyemi@larkspur-analytics.example');
    expect(user.body.name).toBe('Ifeoma Adeyemi');
    expect(user.body.properties.organization_id).toBe(ORG);
    expect(user.body.properties.state).toBe('active');
    expect(user.body.properties.custom_attributes.department).toBe('Data Platform');
    const group = await inlet.api('GET', `/v1/objects/directory_groups/${GROUP}`);
    expect(group.body.name).toBe('Platform Eng');
    const subscriptions = await inlet.api(
      'GET',
      `/v1/objects/directory_groups/${GROUP}/subscriptions`,
    );
    expect(subscriptions.body.data.map((row: any) => row.recipient_id)).toEqual([DIRECTORY_USER]);
    const tenant = await inlet.api('GET', `/v1/tenants/${ORG}`);
    expect(tenant.status).toBe(200);
    expect(tenant.body.properties.directory.type).toBe('okta scim v2.0');
    const authkitUser = await inlet.api('GET', `/v1/users/${AUTHKIT_USER}`);
    expect(authkitUser.body.email).toBe('rafael.okonkwo@larkspur-analytics.example');
  });

  it('records the actions of every event in the log', async () => {
    const inlet = await startTestInlet(engine);
    const url = await inlet.createWorkosSource('workos', SECRET);
    const events = await deliverAll(inlet, url, FIXTURE_STORY);

    for (const summary of events) {
      const { body: event } = await inlet.api(
        'GET',
        `/v1/sources/workos/environments/development/events/${summary.id}`,
      );
      expect(event.actions.length, `${event.event_type} has actions`).toBeGreaterThan(0);
      for (const action of event.actions) {
        expect(action.status, `${event.event_type} ${action.action_type}`).toMatch(
          /succeeded|skipped|failed/,
        );
        expect(action.attempts).toBeGreaterThanOrEqual(1);
        expect(action.parameters).toBeTypeOf('object');
      }
    }
    const byType = Object.fromEntries(events.map((event: any) => [event.event_type, event.status]));
    expect(byType['dsync.user.created']).toBe('processed');
    // No workflow named sso-connection-activated exists, so its trigger fails visibly.
    expect(byType['connection.activated']).toBe('failed');
  });

  it('ends in the same state when delivered shuffled', async () => {
    const ordered = await startTestInlet(engine);
    await deliverAll(ordered, await ordered.createWorkosSource('workos', SECRET), FIXTURE_STORY);
    const expected = await dataState(ordered);

    const shuffledOrders = [
      [...FIXTURE_STORY].reverse(),
      shuffle([...FIXTURE_STORY], 7),
      shuffle([...FIXTURE_STORY], 13),
    ];
    for (const order of shuffledOrders) {
      const inlet = await startTestInlet(engine);
      await deliverAll(inlet, await inlet.createWorkosSource('workos', SECRET), order);
      const actual = await dataState(inlet);
      expect(JSON.stringify(actual, null, 1), `order ${order.join(', ')}`).toBe(
        JSON.stringify(expected, null, 1),
      );
      await inlet.dispose();
    }
    expect(expected.directoryUser).toEqual({ status: 404 });
    expect(expected.group).toEqual({ status: 404 });
    expect(expected.authkitUser.email).toBe('rafael.okonkwo@larkspur-analytics.example');
  });
});

/** Deterministic Fisher–Yates shuffle with a small linear congruential generator. */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let index = items.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}
