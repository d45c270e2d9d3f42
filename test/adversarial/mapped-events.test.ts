import { beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { buildDelivery, postDelivery, uniqueEventId, waitFor } from '../receive/deliveries.js';
import {
  errorLines,
  expectHealthy,
  nestedObjectJson,
  useHostileServer,
  type HostileServer,
} from './hostile-server.js';

const SECRET = 'whsec_hostile_events_Mn4Bv6Cx8Zl0Kj2H';
const DEVELOPMENT = '/v1/sources/directory/environments/development';

interface ActionLog {
  action_type: string;
  status: string;
  /** The resolved parameters as stored JSON text. */
  resolved: string | null;
  error: { code: string; message: string } | null;
}

/** Builds a dsync.user.created body as JSON text, with `data` given as JSON text. */
function userCreated(eventId: string, data: string): string {
  return `{"id":"${eventId}","event":"dsync.user.created","data":${data},"created_at":"2025-03-11T09:15:27.364Z"}`;
}

/** Delivers a signed body and waits until its event left `received` and `processing`. */
async function deliverAndProcess(
  hostile: HostileServer,
  url: string,
  text: string,
): Promise<{ id: string; status: string }> {
  const answer = await postDelivery(url, await buildDelivery({ secret: SECRET, body: text }));
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  const eventId: string = answer.body.id;

  return waitFor(`event ${eventId} to be processed`, async () => {
    const page = await hostile.api('GET', `${DEVELOPMENT}/events?limit=200`);
    const event = page.body.data.find((candidate: { id: string }) => candidate.id === eventId);
    return event !== undefined && !['received', 'processing'].includes(event.status)
      ? (event as { id: string; status: string })
      : undefined;
  });
}

/** Reads the action log of an event from the database, which works for any body depth. */
async function actionLogs(hostile: HostileServer, eventId: string): Promise<ActionLog[]> {
  const rows = await hostile.server.inlet.database.db
    .selectFrom('action_logs')
    .selectAll()
    .where('event_id', '=', eventId)
    .orderBy('created_at')
    .execute();
  return rows.map((row) => ({
    action_type: row.action_type,
    status: row.status,
    resolved: row.resolved,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
  }));
}

function identifyLog(logs: ActionLog[]): ActionLog {
  const log = logs.find((entry) => entry.action_type === 'users_identify');
  if (log === undefined) throw new Error(`no users_identify action in ${JSON.stringify(logs)}`);
  return log;
}

describeEachEngine('hostile event bodies through mappings', (engine) => {
  const hostile = useHostileServer(engine);
  let url = '';

  beforeAll(async () => {
    const created = await hostile.api('PUT', '/v1/sources/directory', {
      name: 'Directory',
      provider: 'workos',
    });
    expect(created.status).toBe(201);
    const updated = await hostile.api('PUT', DEVELOPMENT, { signing_secret: SECRET });
    expect(updated.status).toBe(200);
    url = hostile.url + new URL(updated.body.webhook_url).pathname;
  });

  it('names each field of the wrong type', async () => {
    const data = JSON.stringify({
      id: 'user_weird',
      email: ['ada@example.com'],
      name: { first: 'Ada' },
      organization_id: 'org_1',
      role: { slug: 'member' },
    });

    const event = await deliverAndProcess(hostile, url, userCreated(uniqueEventId(), data));
    const log = identifyLog(await actionLogs(hostile, event.id));

    expect(event.status).toBe('failed');
    expect(log.status).toBe('failed');
    expect(log.error?.code).toBe('parameter_invalid');
    expect(log.error?.message).toContain('name: Expected string, received object');
    expect(log.error?.message).toContain('email: Expected string, received array');
    expect((await hostile.api('GET', '/v1/users/user_weird')).status).toBe(404);
  });

  it('stores a numeric id as a string', async () => {
    const data = '{"id":12345,"email":"num@example.com","updated_at":"2025-03-11T09:15:27.364Z"}';

    const event = await deliverAndProcess(hostile, url, userCreated(uniqueEventId(), data));
    const user = await hostile.api('GET', '/v1/users/12345');

    expect(event.status).toBe('processed');
    expect(user.status).toBe(200);
    expect(user.body.id).toBe('12345');
  });

  it('rejects an invalid source time by name', async () => {
    const data = '{"id":"user_time","email":"t@example.com","updated_at":"not a time"}';

    const event = await deliverAndProcess(hostile, url, userCreated(uniqueEventId(), data));
    const log = identifyLog(await actionLogs(hostile, event.id));

    expect(log.error?.code).toBe('parameter_invalid');
    expect(log.error?.message).toContain('source_updated_at: must be an ISO-8601 time');
  });

  it('keeps a __proto__ key as plain data', async () => {
    const data =
      '{"id":"user_proto","email":"p@example.com","__proto__":{"polluted":"yes"},' +
      '"custom_attributes":{"__proto__":{"polluted":"yes"},"team":"core"}}';

    const event = await deliverAndProcess(hostile, url, userCreated(uniqueEventId(), data));
    const log = identifyLog(await actionLogs(hostile, event.id));
    const user = await hostile.api('GET', '/v1/users/user_proto');
    const attributes = user.body.properties.custom_attributes as Record<string, unknown>;

    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(event.status).toBe('processed');
    expect(log.status).toBe('succeeded');
    expect(log.resolved).toContain('"custom_attributes":{"__proto__":{"polluted":"yes"}');
    expect(Object.keys(attributes)).toEqual(['__proto__', 'team']);
    expect(Object.hasOwn(user.body.properties, 'polluted')).toBe(false);
  });

  it('stores constructor.prototype keys as plain data', async () => {
    const data =
      '{"id":"user_ctor","email":"c@example.com",' +
      '"custom_attributes":{"constructor":{"prototype":{"polluted":"yes"}}}}';

    const event = await deliverAndProcess(hostile, url, userCreated(uniqueEventId(), data));
    const user = await hostile.api('GET', '/v1/users/user_ctor');

    expect(event.status).toBe('processed');
    expect(user.body.properties.custom_attributes).toEqual({
      constructor: { prototype: { polluted: 'yes' } },
    });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  // Receiving rejects bodies nested more than 64 levels, so the mapping layer's own limits are
  // reached through rehearsals, which take a posted sample.
  it('reports a field nested 3000 levels in a rehearsal', async () => {
    const data = `{"id":"user_deep","email":"d@example.com","custom_attributes":${nestedObjectJson(3000)}}`;

    const answer = await hostile.send(
      'POST',
      `${DEVELOPMENT}/rehearse`,
      `{"body":${userCreated(uniqueEventId(), data)}}`,
    );

    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('error');
    const messages = answer.body.errors
      .map((error: { message: string }) => error.message)
      .join(' ');
    expect(messages).toContain('parameters.properties.object.custom_attributes');
    expect(messages).toContain('nested more than 64 levels deep');
  });

  it('compares a value nested 20000 levels in a condition', async () => {
    const mapping = await hostile.api('POST', `${DEVELOPMENT}/mappings`, {
      event_type: 'dsync.group.created',
      action_type: 'users_delete',
      parameters: { id: 'body.data.id' },
      conditions: [{ path: 'body.data.custom', operator: 'equal_to', value: { a: {} } }],
    });
    const text = `{"id":"${uniqueEventId()}","event":"dsync.group.created","data":{"id":"group_cond","custom":${nestedObjectJson(20_000)}}}`;

    const answer = await hostile.send('POST', `${DEVELOPMENT}/rehearse`, `{"body":${text}}`);

    expect(mapping.status).toBe(201);
    expect(answer.status).toBe(200);
    const conditional = answer.body.actions.find(
      (action: { mapping_id: string }) => action.mapping_id === mapping.body.id,
    );
    expect(conditional.status).toBe('skipped');
    expect(conditional.reason).toBe('conditions_not_met');
  });

  it('rejects a body nested 20000 levels and still shows it', async () => {
    const data = `{"id":"user_view","custom_attributes":${nestedObjectJson(20_000)}}`;
    const text = userCreated(uniqueEventId(), data);
    const answer = await postDelivery(url, await buildDelivery({ secret: SECRET, body: text }));

    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('body_too_deep');
    const page = await hostile.api('GET', `${DEVELOPMENT}/events?status=invalid`);
    const detail = await hostile.api('GET', `${DEVELOPMENT}/events/${page.body.data[0].id}`);
    const types = await hostile.api('GET', `${DEVELOPMENT}/event-types`);
    expect(detail.status).toBe(200);
    expect(detail.body.error.code).toBe('body_too_deep');
    expect(detail.body.raw_body.length).toBeGreaterThan(40_000);
    expect(types.status).toBe(200);
  });

  it('logged no internal error and keeps serving', async () => {
    expect(errorLines(hostile.logLines)).toEqual([]);
    await expectHealthy(hostile.url);
  });
});
