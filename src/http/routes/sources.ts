import type { FastifyInstance } from 'fastify';
import type { Inlet } from '../../app.js';
import { InletError, notFound } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { getProvider, providerKeys } from '../../providers/registry.js';
import type { EnvironmentSettingsInput, SourceInput } from '../../sources/source-service.js';
import { environmentParams, sourceKeyParams } from '../schemas.js';

// `enum` without `type` keeps Ajv from coercing: null would skip the default mappings and 1 would
// revoke the previous secrets.
const strictBoolean = { enum: [true, false] } as const;

const sourceBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: ['string', 'null'], maxLength: 2000 },
    provider: { type: 'string', enum: providerKeys() },
    default_mappings: {
      anyOf: [
        strictBoolean,
        { type: 'array', items: { type: 'string', minLength: 1 }, maxItems: 500 },
      ],
      description:
        'Install the provider default action mappings on creation: true (the default) for all, false for none, or the keys of the ones to install.',
    },
  },
  required: ['name', 'provider'],
} as const;

const environmentBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    signing_secret: { type: 'string', minLength: 8, maxLength: 512 },
    secret_grace_seconds: { type: 'integer', minimum: 0, maximum: 30 * 86400 },
    revoke_previous_secrets: strictBoolean,
    tolerance_seconds: { type: 'integer', minimum: 1, maximum: 86400 },
    disabled_event_types: {
      type: 'array',
      items: { type: 'string', maxLength: 255 },
      maxItems: 500,
    },
    enabled_event_types: {
      type: 'array',
      items: { type: 'string', maxLength: 255 },
      maxItems: 500,
    },
  },
} as const;

type Activity = Awaited<ReturnType<Inlet['eventLog']['sourceActivity']>>;

function withActivity<Source extends { key: string }>(source: Source, activity: Activity) {
  return { ...source, ...(activity.get(source.key) ?? { events_24h: 0, last_event_at: null }) };
}

export async function sourceRoutes(app: FastifyInstance, inlet: Inlet): Promise<void> {
  const recentActivity = (sourceKey?: string) =>
    inlet.eventLog.sourceActivity(new Date(Date.now() - 24 * 3_600_000).toISOString(), sourceKey);

  app.put<{
    Params: { key: string };
    Body: SourceInput & { default_mappings?: boolean | string[] };
  }>(
    '/sources/:key',
    {
      schema: {
        summary: 'Create or update a source',
        tags: ['sources'],
        params: sourceKeyParams,
        body: sourceBody,
      },
    },
    async (request, reply) => {
      const { default_mappings: defaultMappings, ...input } = request.body;
      const { source, created } = await inlet.sources.put(request.params.key, input, {
        defaultMappings: defaultMappings ?? true,
      });
      request.log.info(
        { source: source.key, created },
        created ? 'source created' : 'source updated',
      );
      return reply.status(created ? 201 : 200).send(source);
    },
  );

  app.get(
    '/sources',
    {
      schema: {
        summary: 'List sources',
        description:
          'Each source carries events_24h, the events received in the last 24 hours, and last_event_at.',
        tags: ['sources'],
      },
    },
    async () => {
      const [sources, activity] = await Promise.all([inlet.sources.list(), recentActivity()]);
      return { data: sources.map((source) => withActivity(source, activity)) };
    },
  );

  app.get<{ Params: { key: string } }>(
    '/sources/:key',
    {
      schema: {
        summary: 'Show a source',
        description: 'Carries events_24h and last_event_at, as in the list.',
        tags: ['sources'],
        params: sourceKeyParams,
      },
    },
    async (request) => {
      const [source, activity] = await Promise.all([
        inlet.sources.get(request.params.key),
        recentActivity(request.params.key),
      ]);
      return withActivity(source, activity);
    },
  );

  app.delete<{ Params: { key: string } }>(
    '/sources/:key',
    {
      schema: {
        summary: 'Delete a source with its events',
        tags: ['sources'],
        params: sourceKeyParams,
      },
    },
    async (request, reply) => {
      await inlet.sources.delete(request.params.key);
      request.log.info({ source: request.params.key }, 'source deleted');
      return reply.status(204).send();
    },
  );

  app.put<{ Params: { key: string; environment: string }; Body: EnvironmentSettingsInput }>(
    '/sources/:key/environments/:environment',
    {
      schema: {
        summary: 'Update the settings of a source environment',
        description: 'signing_secret is write-only; responses show a hint of each active secret.',
        tags: ['sources'],
        params: environmentParams,
        body: environmentBody,
      },
    },
    async (request) => {
      const { key, environment } = request.params;
      const view = await inlet.sources.updateEnvironment(key, environment, request.body);
      request.log.info(
        { source: key, environment, secretChanged: request.body.signing_secret !== undefined },
        'source environment updated',
      );
      return view;
    },
  );

  app.get<{ Params: { provider: string } }>(
    '/providers/:provider/default-mappings',
    {
      schema: {
        summary: 'List the default action mappings a new source of this provider gets',
        tags: ['sources'],
      },
    },
    async (request) => ({ data: getProvider(request.params.provider).defaultMappings }),
  );

  app.get<{ Params: { provider: string; type: string } }>(
    '/providers/:provider/event-types/:type/sample',
    {
      schema: {
        summary: 'Show the sample body of one event type',
        description:
          'The body that test events send; types without a shipped sample get a minimal envelope.',
        tags: ['sources'],
      },
    },
    async (request) => {
      const provider = getProvider(request.params.provider);
      const { type } = request.params;
      // Only catalogued types: a typo must not look like a real event type in the editor.
      const known = provider.eventTypes.some((candidate) => candidate.type === type);
      const body = known ? provider.sampleBody(type) : undefined;
      if (body === undefined) throw notFound(`Event type "${type}" of ${provider.key}`);
      return { event_type: type, body };
    },
  );

  app.get<{ Params: { provider: string } }>(
    '/providers/:provider/event-types',
    { schema: { summary: 'List the event types a provider sends', tags: ['sources'] } },
    async (request) => ({ data: getProvider(request.params.provider).eventTypes }),
  );
}

/**
 * `POST …/test-events`: the local equivalent of a provider's "send test event". The server signs a
 * sample body with the environment's newest secret and runs it through the receiving pipeline.
 */
export async function testEventRoutes(app: FastifyInstance, inlet: Inlet): Promise<void> {
  app.post<{
    Params: { key: string; environment: string };
    Body: { event_type: string; body?: Record<string, unknown> };
  }>(
    '/sources/:key/environments/:environment/test-events',
    {
      schema: {
        summary: 'Send a signed sample delivery through the receiving pipeline',
        tags: ['sources'],
        params: environmentParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            event_type: { type: 'string', minLength: 1, maxLength: 255 },
            body: {
              type: 'object',
              description: 'Delivery body; defaults to the provider sample.',
            },
          },
          required: ['event_type'],
        },
      },
    },
    async (request, reply) => {
      const { source, environment } = await inlet.sources.findEnvironment(
        request.params.key,
        request.params.environment,
      );
      const provider = getProvider(source.provider);
      const [secret] = await inlet.sources.activeSecrets(environment.id);
      if (secret === undefined) {
        throw new InletError(
          'no_signing_secret',
          `Set a signing secret for ${source.key}/${environment.environment} first: inlet sources secret set ${source.key} --env ${environment.environment}.`,
        );
      }
      const body = request.body.body ?? provider.sampleBody(request.body.event_type);
      if (body === undefined)
        throw new InletError(
          'validation_failed',
          `No sample exists for "${request.body.event_type}"; pass a body.`,
        );
      const rawBody = Buffer.from(JSON.stringify(body, null, 2));
      const signed = provider.sign(rawBody, secret, Date.now());
      const headers = Object.fromEntries(
        Object.entries(signed).map(([name, value]) => [name.toLowerCase(), value]),
      );
      const response = await inlet.ingest.receive({
        ingestId: environment.ingest_id,
        rawBody,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'inlet-test-event',
          ...headers,
        },
        log: request.log as unknown as Logger,
        requestId: request.id,
      });
      return reply.status(response.status).send(response.body);
    },
  );
}
