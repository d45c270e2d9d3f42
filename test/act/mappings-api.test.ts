import { expect, it } from 'vitest';
import { validateMapping } from '../../src/map/mapping-service.js';
import { WORKOS_DEFAULT_MAPPINGS } from '../../src/providers/workos/default-mappings.js';
import { describeEachEngine } from '../support/engines.js';
import { startTestInlet } from '../support/inlet.js';

const MAPPINGS = '/v1/sources/workos/environments/development/mappings';

it.each(WORKOS_DEFAULT_MAPPINGS.map((mapping) => [mapping.key, mapping]))(
  'default mapping %s is valid',
  (_key, mapping) => {
    expect(() => validateMapping(mapping)).not.toThrow();
  },
);

describeEachEngine('mappings API', (engine) => {
  it('installs defaults on creation unless switched off', async () => {
    const inlet = await startTestInlet(engine);
    await inlet.api('PUT', '/v1/sources/workos', { name: 'WorkOS', provider: 'workos' });
    await inlet.api('PUT', '/v1/sources/bare', {
      name: 'Bare',
      provider: 'workos',
      default_mappings: false,
    });

    const installed = await inlet.api('GET', MAPPINGS);
    expect(installed.body.data).toHaveLength(WORKOS_DEFAULT_MAPPINGS.length);
    const production = await inlet.api(
      'GET',
      '/v1/sources/workos/environments/production/mappings?event_type=dsync.user.created',
    );
    expect(production.body.data.map((mapping: any) => mapping.action_type)).toEqual([
      'users_identify',
      'objects_subscribe',
    ]);
    const bare = await inlet.api('GET', '/v1/sources/bare/environments/development/mappings');
    expect(bare.body.data).toEqual([]);
    const reinstalled = await inlet.api(
      'POST',
      '/v1/sources/bare/environments/development/mappings/defaults',
    );
    expect(reinstalled.body.data).toHaveLength(WORKOS_DEFAULT_MAPPINGS.length);
  });

  it('creates, updates, switches off and deletes a mapping', async () => {
    const inlet = await startTestInlet(engine);
    await inlet.api('PUT', '/v1/sources/workos', {
      name: 'WorkOS',
      provider: 'workos',
      default_mappings: false,
    });
    const created = await inlet.api('POST', MAPPINGS, {
      event_type: 'organization.created',
      action_type: 'tenants_set',
      parameters: {
        id: 'body.data.id',
        name: { first_of: ['body.data.name', { literal: 'Unnamed' }] },
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.active).toBe(true);

    const off = await inlet.api('PATCH', `${MAPPINGS}/${created.body.id}`, { active: false });
    expect(off.body.active).toBe(false);
    expect(off.body.parameters.id).toBe('body.data.id');
    const shown = await inlet.api('GET', `${MAPPINGS}/${created.body.id}`);
    expect(shown.body.active).toBe(false);

    const deleted = await inlet.api('DELETE', `${MAPPINGS}/${created.body.id}`);
    expect(deleted.status).toBe(204);
    expect((await inlet.api('GET', `${MAPPINGS}/${created.body.id}`)).status).toBe(404);
  });

  it.each([
    [{ event_type: 'x', action_type: 'users_explode', parameters: {} }, 'action_type'],
    [{ event_type: 'x', action_type: 'users_identify', parameters: {} }, 'parameters.id: required'],
    [
      { event_type: 'x', action_type: 'users_identify', parameters: { id: 'data.id' } },
      'parameters.id',
    ],
    [
      {
        event_type: 'x',
        action_type: 'users_identify',
        parameters: { id: 'body.data.id', shoe_size: 'body.x' },
      },
      'shoe_size',
    ],
    [
      { event_type: 'x', action_type: 'users_identify', parameters: { id: 'body.data[' } },
      'parameters.id',
    ],
    [
      {
        event_type: 'x',
        action_type: 'users_identify',
        parameters: { id: 'body.id' },
        conditions: [{ path: 'body.x', operator: 'is_in', value: 3 }],
      },
      'conditions.0',
    ],
  ])('rejects an invalid mapping naming the field (%#)', async (body, field) => {
    const inlet = await startTestInlet(engine);
    await inlet.api('PUT', '/v1/sources/workos', {
      name: 'WorkOS',
      provider: 'workos',
      default_mappings: false,
    });
    const answer = await inlet.api('POST', MAPPINGS, body);
    expect(answer.status).toBe(400);
    expect(answer.body.code).toBe('validation_failed');
    expect(answer.body.message).toContain(field);
  });

  it('lists the action catalogue', async () => {
    const inlet = await startTestInlet(engine);
    const { body } = await inlet.api('GET', '/v1/actions');
    const identify = body.data.find((action: any) => action.action_type === 'users_identify');
    expect(identify.required).toEqual(['id']);
    expect(body.data).toHaveLength(12);
  });
});
