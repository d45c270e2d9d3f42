import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Inlet } from '../../app.js';
import { InletError } from '../../errors.js';
import {
  CHANNEL_TYPES,
  parseWorkflowDefinition,
  type ChannelType,
} from '../../workflows/definition.js';
import { getWorkflowEngine, type WorkflowEngine } from '../../workflows/engine.js';
import { RUN_STATUSES, type RunFilters } from '../../workflows/run-store.js';
import { pageQuery } from '../schemas.js';

export const ENVIRONMENT_HEADER = 'inlet-environment';

/** Query parameter that selects the environment, accepted by every environment-scoped route. */
export const environmentQuery = {
  environment: {
    type: 'string',
    maxLength: 63,
    description: 'Environment; the Inlet-Environment header also sets it.',
  },
} as const;

const keyParams = {
  type: 'object',
  properties: { key: { type: 'string', maxLength: 64 } },
  required: ['key'],
} as const;

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 100 } },
  required: ['id'],
} as const;

const envOnlyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...environmentQuery },
} as const;

/**
 * Returns the environment a request addresses: the Inlet-Environment header, else the
 * `environment` query parameter, else the first configured environment. Throws
 * `unknown_environment` for one that is not configured.
 */
export function requestEnvironment(
  request: FastifyRequest,
  engine: WorkflowEngine,
  inlet: Inlet,
): string {
  const header = request.headers[ENVIRONMENT_HEADER];
  const query = (request.query as { environment?: string } | undefined)?.environment;
  const fromHeader = typeof header === 'string' && header !== '' ? header : undefined;
  if (fromHeader !== undefined && query !== undefined && fromHeader !== query) {
    throw new InletError(
      'validation_failed',
      `The Inlet-Environment header ("${fromHeader}") and the environment parameter ("${query}") differ; send one of them.`,
    );
  }
  const environment = fromHeader ?? query ?? inlet.config.environments[0]!;
  engine.assertEnvironment(environment);
  return environment;
}

const MAX_LISTED_ISSUES = 100;

/** Registers the routes of workflow definitions, triggers, cancellation and runs. */
export async function workflowRoutes(app: FastifyInstance, inlet: Inlet): Promise<void> {
  const engine = getWorkflowEngine(inlet);

  app.get(
    '/workflows',
    { schema: { summary: 'List workflows', tags: ['workflows'] } },
    async () => ({
      data: await engine.workflows.list(),
    }),
  );

  app.get<{ Params: { key: string } }>(
    '/workflows/:key',
    { schema: { summary: 'Show a workflow', tags: ['workflows'], params: keyParams } },
    async (request) => engine.workflows.get(request.params.key),
  );

  app.put<{ Params: { key: string }; Body: unknown }>(
    '/workflows/:key',
    {
      schema: {
        summary: 'Create or replace a workflow',
        description:
          'Validates every step and parses every Liquid template; errors name the step index, ref and field.',
        tags: ['workflows'],
        params: keyParams,
        body: { type: 'object' },
      },
    },
    async (request, reply) => {
      const { workflow, created } = await engine.workflows.put(request.params.key, request.body);
      request.log.info(
        { workflow: workflow.key, version: workflow.version, created },
        created ? 'workflow created' : 'workflow updated',
      );
      return reply.status(created ? 201 : 200).send(workflow);
    },
  );

  app.post<{ Params: { key: string }; Body: unknown }>(
    '/workflows/:key/validate',
    {
      schema: {
        summary: 'Check a workflow definition without saving it',
        description:
          'Returns every problem with its location, the same checks as saving the workflow.',
        tags: ['workflows'],
        params: keyParams,
        body: { type: 'object' },
      },
    },
    async (request) => {
      const result = parseWorkflowDefinition(request.body);
      const errors = result.ok ? [] : [...result.issues];
      if (result.ok && result.key !== undefined && result.key !== request.params.key) {
        errors.push({
          path: 'key',
          message: `differs from the workflow key "${request.params.key}" in the URL; make them equal or leave it out`,
        });
      }
      // A definition with thousands of problems gets the first ones, which is what an editor shows.
      return {
        valid: errors.length === 0,
        errors: errors.slice(0, MAX_LISTED_ISSUES),
        error_count: errors.length,
      };
    },
  );

  app.delete<{ Params: { key: string } }>(
    '/workflows/:key',
    {
      schema: {
        summary: 'Delete a workflow',
        description: 'Runs already triggered finish with the version they started with.',
        tags: ['workflows'],
        params: keyParams,
      },
    },
    async (request, reply) => {
      await engine.workflows.delete(request.params.key);
      request.log.info({ workflow: request.params.key }, 'workflow deleted');
      return reply.status(204).send();
    },
  );

  app.post<{ Params: { key: string }; Body: unknown }>(
    '/workflows/:key/trigger',
    {
      schema: {
        summary: 'Trigger a workflow: one run per recipient',
        description:
          'Body: {recipients, actor?, data?, tenant?, cancellation_key?}. With an Idempotency-Key header, the same key and body within 24 hours return the first response.',
        tags: ['workflows'],
        params: keyParams,
        querystring: envOnlyQuery,
        body: { type: 'object' },
      },
    },
    async (request, reply) => {
      const environment = requestEnvironment(request, engine, inlet);
      const idempotencyKey = request.headers['idempotency-key'];
      const result = await engine.triggerNow(environment, request.params.key, request.body, {
        ...(typeof idempotencyKey === 'string' ? { idempotencyKey } : {}),
      });
      return reply.status(202).send(result);
    },
  );

  app.post<{ Params: { key: string }; Body: unknown }>(
    '/workflows/:key/cancel',
    {
      schema: {
        summary: 'Cancel the active runs triggered with a cancellation key',
        description: 'Body: {cancellation_key, recipients?}.',
        tags: ['workflows'],
        params: keyParams,
        querystring: envOnlyQuery,
        body: { type: 'object' },
      },
    },
    async (request) => {
      const environment = requestEnvironment(request, engine, inlet);
      return engine.cancel(inlet.database.db, environment, request.params.key, request.body);
    },
  );

  app.get<{ Querystring: RunFilters & { environment?: string } }>(
    '/workflow-runs',
    {
      schema: {
        summary: 'List workflow runs, newest first',
        tags: ['workflows'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...environmentQuery,
            workflow: { type: 'string', maxLength: 64 },
            recipient: { type: 'string', maxLength: 255 },
            status: { type: 'string', enum: [...RUN_STATUSES] },
            source_event_id: { type: 'string', maxLength: 100 },
            action_log_id: { type: 'string', maxLength: 100 },
            trigger_id: { type: 'string', maxLength: 100 },
            ...pageQuery,
          },
        },
      },
    },
    async (request) => {
      const { environment: _environment, ...filters } = request.query;
      return engine.listRuns(requestEnvironment(request, engine, inlet), filters);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/workflow-runs/:id',
    {
      schema: {
        summary: 'Show a workflow run with its steps and messages',
        tags: ['workflows'],
        params: idParams,
        querystring: envOnlyQuery,
      },
    },
    async (request) => engine.getRun(requestEnvironment(request, engine, inlet), request.params.id),
  );
}

/** Registers the routes of channel configurations, which belong to one environment each. */
export async function channelRoutes(app: FastifyInstance, inlet: Inlet): Promise<void> {
  const engine = getWorkflowEngine(inlet);

  app.put<{
    Params: { key: string };
    Body: { type: ChannelType; settings?: Record<string, unknown> };
  }>(
    '/channels/:key',
    {
      schema: {
        summary: 'Create or replace a channel configuration',
        description:
          'Secret settings (email password, webhook signing_secret, chat url) are write-only; left out, they keep their stored value.',
        tags: ['channels'],
        params: keyParams,
        querystring: envOnlyQuery,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            type: { type: 'string', enum: [...CHANNEL_TYPES] },
            settings: { type: 'object' },
          },
          required: ['type'],
        },
      },
    },
    async (request, reply) => {
      const environment = requestEnvironment(request, engine, inlet);
      const { channel, created } = await engine.channels.put(
        environment,
        request.params.key,
        request.body,
      );
      request.log.info(
        { channel: channel.key, type: channel.type, environment, created },
        created ? 'channel created' : 'channel updated',
      );
      return reply.status(created ? 201 : 200).send(channel);
    },
  );

  app.get(
    '/channels',
    {
      schema: {
        summary: 'List channel configurations',
        tags: ['channels'],
        querystring: envOnlyQuery,
      },
    },
    async (request) => ({
      data: await engine.channels.list(requestEnvironment(request, engine, inlet)),
    }),
  );

  app.get<{ Params: { key: string } }>(
    '/channels/:key',
    {
      schema: {
        summary: 'Show a channel configuration with secret hints',
        tags: ['channels'],
        params: keyParams,
        querystring: envOnlyQuery,
      },
    },
    async (request) =>
      engine.channels.get(requestEnvironment(request, engine, inlet), request.params.key),
  );

  app.delete<{ Params: { key: string } }>(
    '/channels/:key',
    {
      schema: {
        summary: 'Delete a channel configuration',
        tags: ['channels'],
        params: keyParams,
        querystring: envOnlyQuery,
      },
    },
    async (request, reply) => {
      const environment = requestEnvironment(request, engine, inlet);
      await engine.channels.delete(environment, request.params.key);
      request.log.info({ channel: request.params.key, environment }, 'channel deleted');
      return reply.status(204).send();
    },
  );
}
