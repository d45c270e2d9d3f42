import type { FastifyInstance } from 'fastify';
import type { Inlet } from '../../app.js';
import { CHANNEL_TYPES } from '../../workflows/definition.js';
import { getWorkflowEngine } from '../../workflows/engine.js';
import {
  ENGAGEMENTS,
  MESSAGE_STATUSES,
  type Engagement,
  type FeedFilters,
  type MessageFilters,
} from '../../workflows/message-store.js';
import { pageQuery } from '../schemas.js';
import { environmentQuery, requestEnvironment } from './workflows.js';

const envOnlyQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { ...environmentQuery },
} as const;

const feedParams = {
  type: 'object',
  properties: {
    id: { type: 'string', maxLength: 255 },
    channel: { type: 'string', maxLength: 64 },
  },
  required: ['id', 'channel'],
} as const;

/** Registers the routes of messages, engagement marks and in-app feeds. */
export async function messageRoutes(app: FastifyInstance, inlet: Inlet): Promise<void> {
  const engine = getWorkflowEngine(inlet);

  app.get<{ Querystring: MessageFilters & { environment?: string } }>(
    '/messages',
    {
      schema: {
        summary: 'List messages, newest first',
        tags: ['messages'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...environmentQuery,
            workflow: { type: 'string', maxLength: 64 },
            recipient: { type: 'string', maxLength: 255 },
            status: { type: 'string', enum: [...MESSAGE_STATUSES] },
            channel_type: { type: 'string', enum: [...CHANNEL_TYPES] },
            channel: { type: 'string', maxLength: 64 },
            source_event_id: { type: 'string', maxLength: 100 },
            run_id: { type: 'string', maxLength: 100 },
            ...pageQuery,
          },
        },
      },
    },
    async (request) => {
      const { environment: _environment, ...filters } = request.query;
      return engine.messages.list(requestEnvironment(request, engine, inlet), filters);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/messages/:id',
    {
      schema: {
        summary: 'Show a message with its rendered content and provider response',
        tags: ['messages'],
        params: {
          type: 'object',
          properties: { id: { type: 'string', maxLength: 100 } },
          required: ['id'],
        },
        querystring: envOnlyQuery,
      },
    },
    async (request) =>
      engine.messages.get(requestEnvironment(request, engine, inlet), request.params.id),
  );

  app.post<{ Params: { id: string; engagement: Engagement } }>(
    '/messages/:id/:engagement',
    {
      schema: {
        summary: 'Mark a message seen, read or archived',
        description: 'Reading also marks the message seen. Marking again keeps the first time.',
        tags: ['messages'],
        params: {
          type: 'object',
          properties: {
            id: { type: 'string', maxLength: 100 },
            engagement: { type: 'string', enum: [...ENGAGEMENTS] },
          },
          required: ['id', 'engagement'],
        },
        querystring: envOnlyQuery,
      },
    },
    async (request) => {
      const environment = requestEnvironment(request, engine, inlet);
      return engine.messages.mark(environment, request.params.id, request.params.engagement);
    },
  );

  app.get<{
    Params: { id: string; channel: string };
    Querystring: FeedFilters & { environment?: string };
  }>(
    '/users/:id/feeds/:channel',
    {
      schema: {
        summary: "List a user's in-app feed, newest first, with unread and unseen counts",
        tags: ['messages'],
        params: feedParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...environmentQuery,
            status: { type: 'string', enum: ['unread', 'unseen', 'all'] },
            archived: { type: 'string', enum: ['exclude', 'include', 'only'] },
            ...pageQuery,
          },
        },
      },
    },
    async (request) => {
      const { environment: _environment, ...filters } = request.query;
      const environment = requestEnvironment(request, engine, inlet);
      return engine.messages.feed(environment, request.params.id, request.params.channel, filters);
    },
  );

  app.post<{ Params: { id: string; channel: string } }>(
    '/users/:id/feeds/:channel/mark-all-read',
    {
      schema: {
        summary: "Mark every unread, unarchived message of a user's feed read",
        tags: ['messages'],
        params: feedParams,
        querystring: envOnlyQuery,
      },
    },
    async (request) => {
      const environment = requestEnvironment(request, engine, inlet);
      const updated = await engine.messages.markAllRead(
        environment,
        request.params.id,
        request.params.channel,
      );
      return { updated };
    },
  );
}
