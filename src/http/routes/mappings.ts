import type { FastifyInstance } from 'fastify';
import {
  ACTION_DESCRIPTIONS,
  ACTION_TYPES,
  knownParameters,
  requiredParameters,
} from '../../act/action-types.js';
import { actionLayer } from '../../act/index.js';
import type { Inlet } from '../../app.js';
import { InletError } from '../../errors.js';
import { validateMapping, type MappingInput, type MappingView } from '../../map/mapping-service.js';
import { getProvider } from '../../providers/registry.js';
import { EVENT_STATUSES } from '../../record/event-store.js';
import { environmentParams } from '../schemas.js';

type EnvParams = { key: string; environment: string };

// `enum` without `type` keeps Ajv from coercing, which would read null, 0 or "false" as false and
// switch a mapping off by accident.
const strictBoolean = { enum: [true, false] } as const;

const mappingProperties = {
  event_type: { type: 'string', minLength: 1, maxLength: 255 },
  action_type: { type: 'string', enum: [...ACTION_TYPES] },
  parameters: {
    type: 'object',
    description: 'Parameter name → value spec (path, literal, first_of, template, object or find).',
  },
  conditions: { type: 'array', maxItems: 20, items: { type: 'object' } },
  active: { ...strictBoolean, description: 'true or false; a mapping that is off never runs.' },
} as const;

const mappingParams = {
  ...environmentParams,
  properties: { ...environmentParams.properties, id: { type: 'string', maxLength: 64 } },
  required: [...environmentParams.required, 'id'],
} as const;

const replayFilters = {
  type: 'object',
  additionalProperties: false,
  properties: {
    event_type: { type: 'string', maxLength: 255 },
    status: { type: 'string', enum: [...EVENT_STATUSES] },
    provider_event_id: { type: 'string', maxLength: 255 },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    limit: { type: 'integer', minimum: 1, maximum: 500 },
  },
} as const;

export async function mappingRoutes(app: FastifyInstance, inlet: Inlet): Promise<void> {
  const layer = () => actionLayer(inlet);
  const environment = (params: EnvParams) =>
    inlet.sources.findEnvironment(params.key, params.environment);

  app.get(
    '/actions',
    { schema: { summary: 'List action types with their parameters', tags: ['mappings'] } },
    async () => ({
      data: ACTION_TYPES.map((type) => ({
        action_type: type,
        description: ACTION_DESCRIPTIONS[type],
        parameters: knownParameters(type),
        required: requiredParameters(type),
      })),
    }),
  );

  app.get<{ Params: EnvParams; Querystring: { event_type?: string } }>(
    '/sources/:key/environments/:environment/mappings',
    {
      schema: {
        summary: 'List action mappings in execution order',
        tags: ['mappings'],
        params: environmentParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { event_type: { type: 'string', maxLength: 255 } },
        },
      },
    },
    async (request) => ({
      data: await layer().mappings.list(
        (await environment(request.params)).environment.id,
        request.query,
      ),
    }),
  );

  app.post<{ Params: EnvParams; Body: MappingInput }>(
    '/sources/:key/environments/:environment/mappings',
    {
      schema: {
        summary: 'Create an action mapping',
        tags: ['mappings'],
        params: environmentParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: mappingProperties,
          required: ['event_type', 'action_type', 'parameters'],
        },
      },
    },
    async (request, reply) => {
      const { environment: env } = await environment(request.params);
      const mapping = await layer().mappings.create(env.id, request.body);
      request.log.info(
        { mappingId: mapping.id, eventType: mapping.event_type, actionType: mapping.action_type },
        'mapping created',
      );
      return reply.status(201).send(mapping);
    },
  );

  app.get<{ Params: EnvParams & { id: string } }>(
    '/sources/:key/environments/:environment/mappings/:id',
    { schema: { summary: 'Show an action mapping', tags: ['mappings'], params: mappingParams } },
    async (request) =>
      layer().mappings.get((await environment(request.params)).environment.id, request.params.id),
  );

  app.patch<{ Params: EnvParams & { id: string }; Body: Partial<MappingInput> }>(
    '/sources/:key/environments/:environment/mappings/:id',
    {
      schema: {
        summary: 'Update an action mapping (for example switch it off with {"active": false})',
        tags: ['mappings'],
        params: mappingParams,
        body: { type: 'object', additionalProperties: false, properties: mappingProperties },
      },
    },
    async (request) => {
      const mapping = await layer().mappings.update(
        (await environment(request.params)).environment.id,
        request.params.id,
        request.body,
      );
      request.log.info({ mappingId: mapping.id, active: mapping.active }, 'mapping updated');
      return mapping;
    },
  );

  app.delete<{ Params: EnvParams & { id: string } }>(
    '/sources/:key/environments/:environment/mappings/:id',
    { schema: { summary: 'Delete an action mapping', tags: ['mappings'], params: mappingParams } },
    async (request, reply) => {
      await layer().mappings.delete(
        (await environment(request.params)).environment.id,
        request.params.id,
      );
      request.log.info({ mappingId: request.params.id }, 'mapping deleted');
      return reply.status(204).send();
    },
  );

  app.post<{ Params: EnvParams; Body: { event_type: string; mapping_ids: string[] } }>(
    '/sources/:key/environments/:environment/mappings/reorder',
    {
      schema: {
        summary: 'Set the order of the mappings of one event type',
        description:
          'mapping_ids lists every mapping of the event type once. Mappings run grouped by action type in a fixed order, and within one action type in this order.',
        tags: ['mappings'],
        params: environmentParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            event_type: { type: 'string', minLength: 1, maxLength: 255 },
            mapping_ids: { type: 'array', items: { type: 'string' }, maxItems: 500 },
          },
          required: ['event_type', 'mapping_ids'],
        },
      },
    },
    async (request) => {
      const { environment: env } = await environment(request.params);
      const mappings = await layer().mappings.reorder(
        env.id,
        request.body.event_type,
        request.body.mapping_ids,
      );
      request.log.info({ eventType: request.body.event_type }, 'mappings reordered');
      return { data: mappings };
    },
  );

  app.post<{ Params: EnvParams }>(
    '/sources/:key/environments/:environment/mappings/defaults',
    {
      schema: {
        summary: 'Install the provider default mappings that are missing',
        tags: ['mappings'],
        params: environmentParams,
      },
    },
    async (request) => {
      const { source, environment: env } = await environment(request.params);
      const created = await layer().mappings.installDefaults(
        env.id,
        getProvider(source.provider).defaultMappings,
      );
      return { data: created };
    },
  );

  app.post<{ Params: EnvParams & { id: string } }>(
    '/sources/:key/environments/:environment/events/:id/replay',
    {
      schema: {
        summary: 'Run the mappings of one stored event again',
        tags: ['mappings'],
        params: mappingParams,
      },
    },
    async (request) => {
      await inlet.eventLog.get(
        (await environment(request.params)).environment.id,
        request.params.id,
      );
      return layer().replayer.replayOne(request.params.id);
    },
  );

  app.post<{
    Params: EnvParams;
    Body: {
      event_type?: string;
      status?: string;
      provider_event_id?: string;
      since?: string;
      until?: string;
      limit?: number;
    };
  }>(
    '/sources/:key/environments/:environment/events/replay',
    {
      schema: {
        summary: 'Run the mappings of matching stored events again, reporting each',
        tags: ['mappings'],
        params: environmentParams,
        body: replayFilters,
      },
    },
    async (request) => {
      const { environment: env } = await environment(request.params);
      const results = await layer().replayer.replayMatching(env.id, request.body ?? {});
      request.log.info({ replayed: results.length }, 'events replayed');
      return { data: results };
    },
  );

  app.post<{
    Params: EnvParams;
    Body: {
      event_id?: string;
      event_type?: string;
      body?: unknown;
      headers?: Record<string, string>;
      mapping?: Omit<MappingInput, 'event_type' | 'active'>;
    };
  }>(
    '/sources/:key/environments/:environment/rehearse',
    {
      schema: {
        summary:
          'Resolve and validate the mappings for a stored event or a sample, without side effects',
        tags: ['mappings'],
        params: environmentParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            event_id: { type: 'string' },
            event_type: { type: 'string', maxLength: 255 },
            body: { type: 'object' },
            headers: { type: 'object', additionalProperties: { type: 'string' } },
            mapping: {
              type: 'object',
              description:
                'An unsaved mapping to resolve instead of the stored ones, for a preview while editing.',
              additionalProperties: false,
              properties: {
                action_type: mappingProperties.action_type,
                parameters: mappingProperties.parameters,
                conditions: mappingProperties.conditions,
              },
              required: ['action_type', 'parameters'],
            },
          },
        },
      },
    },
    async (request) => {
      const { source, environment: env } = await environment(request.params);
      const input = await rehearsalInput(inlet, env.id, request.body, getProvider(source.provider));
      const drafts =
        request.body.mapping === undefined
          ? undefined
          : [draftMapping(input.eventType, request.body.mapping)];
      const actions = await layer().processor.rehearse(
        env.id,
        input.eventType,
        input.context,
        drafts,
      );
      const errors = actions.flatMap((action) =>
        action.errors.map((error) => ({ mapping_id: action.mapping_id, ...error })),
      );
      return {
        event_type: input.eventType,
        status: errors.length ? 'error' : 'ok',
        actions,
        errors,
      };
    },
  );
}

async function rehearsalInput(
  inlet: Inlet,
  environmentId: string,
  body: {
    event_id?: string;
    event_type?: string;
    body?: unknown;
    headers?: Record<string, string>;
  },
  provider: ReturnType<typeof getProvider>,
) {
  if (body.event_id !== undefined) {
    const event = await inlet.eventLog.get(environmentId, body.event_id);
    if (event.event_type === null)
      throw new InletError(
        'validation_failed',
        `Event ${body.event_id} has no event type; it was recorded as invalid.`,
      );
    return { eventType: event.event_type, context: { body: event.body, headers: event.headers } };
  }
  if (body.body === undefined)
    throw new InletError(
      'validation_failed',
      'Pass "event_id" of a stored event, or a sample "body".',
    );
  const headers = Object.fromEntries(
    Object.entries(body.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const described = provider.describeEvent(body.body as Record<string, unknown>);
  const eventType = body.event_type ?? (described.ok ? described.type : undefined);
  if (eventType === undefined)
    throw new InletError('event_type_missing', 'The sample has no event type; pass "event_type".');
  return { eventType, context: { body: body.body, headers } };
}

/** Validates an unsaved mapping for a rehearsal and gives it the shape of a stored one. */
function draftMapping(
  eventType: string,
  input: Omit<MappingInput, 'event_type' | 'active'>,
): MappingView {
  const { actionType, conditions } = validateMapping({ ...input, event_type: eventType });
  const now = new Date().toISOString();
  return {
    id: 'draft',
    event_type: eventType,
    action_type: actionType,
    parameters: input.parameters,
    conditions,
    active: true,
    default_key: null,
    position: 0,
    created_at: now,
    updated_at: now,
  };
}
