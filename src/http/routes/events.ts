import type { FastifyInstance } from 'fastify';
import { actionLogsFor } from '../../act/action-log.js';
import type { Inlet } from '../../app.js';
import { EVENT_STATUSES } from '../../record/event-store.js';
import type { EventFilters } from '../../events/event-log.js';
import { environmentParams, pageQuery } from '../schemas.js';

type EnvParams = { key: string; environment: string };

/** Windows of the hourly event counts, in hours. */
const STATS_WINDOWS = { '24h': 24, '7d': 7 * 24 } as const;

export async function eventRoutes(app: FastifyInstance, inlet: Inlet): Promise<void> {
  const environmentId = async (params: EnvParams) =>
    (await inlet.sources.findEnvironment(params.key, params.environment)).environment.id;

  app.get<{ Params: EnvParams; Querystring: EventFilters }>(
    '/sources/:key/environments/:environment/events',
    {
      schema: {
        summary: 'List recorded events, newest first',
        tags: ['events'],
        params: environmentParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            event_type: { type: 'string', maxLength: 255 },
            status: { type: 'string', enum: [...EVENT_STATUSES] },
            provider_event_id: { type: 'string', maxLength: 255 },
            since: { type: 'string', description: 'Received at or after this ISO-8601 time.' },
            until: { type: 'string', description: 'Received before this ISO-8601 time.' },
            ...pageQuery,
          },
        },
      },
    },
    async (request) => inlet.eventLog.list(await environmentId(request.params), request.query),
  );

  app.get<{ Params: EnvParams & { id: string } }>(
    '/sources/:key/environments/:environment/events/:id',
    {
      schema: {
        summary: 'Show one event with its body and headers',
        tags: ['events'],
        params: {
          ...environmentParams,
          properties: { ...environmentParams.properties, id: { type: 'string' } },
        },
      },
    },
    async (request) => {
      const event = await inlet.eventLog.get(
        await environmentId(request.params),
        request.params.id,
      );
      return { ...event, actions: await actionLogsFor(inlet.database.db, event.id) };
    },
  );

  app.get<{ Params: EnvParams; Querystring: { window?: keyof typeof STATS_WINDOWS } }>(
    '/sources/:key/environments/:environment/stats',
    {
      schema: {
        summary: 'Count events per hour and status over the last 24 hours or 7 days',
        tags: ['events'],
        params: environmentParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { window: { type: 'string', enum: Object.keys(STATS_WINDOWS) } },
        },
      },
    },
    async (request) => {
      const window = request.query.window ?? '24h';
      const counts = await inlet.eventLog.hourlyCounts(
        await environmentId(request.params),
        STATS_WINDOWS[window],
      );
      return { window, ...counts };
    },
  );

  app.get<{ Params: EnvParams }>(
    '/sources/:key/environments/:environment/event-types',
    {
      schema: {
        summary: 'List event types seen, with counts and a sample',
        tags: ['events'],
        params: environmentParams,
      },
    },
    async (request) => ({
      data: await inlet.eventLog.eventTypes(await environmentId(request.params)),
    }),
  );

  app.get<{ Params: EnvParams; Querystring: { after?: string; limit?: number } }>(
    '/sources/:key/environments/:environment/rejections',
    {
      schema: {
        summary: 'List rejected deliveries (rate-limited record)',
        tags: ['events'],
        params: environmentParams,
        querystring: { type: 'object', additionalProperties: false, properties: { ...pageQuery } },
      },
    },
    async (request) =>
      inlet.eventLog.rejections(await environmentId(request.params), request.query),
  );
}
