import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Inlet } from '../../app.js';
import {
  CHANNEL_TYPES,
  createDataStores,
  MAX_MEMBERS_PER_CALL,
  MAX_RECIPIENTS_PER_CALL,
  type AudienceMemberInput,
  type DataStores,
  type ObjectAttributes,
  type PageOptions,
  type TenantAttributes,
  type UserAttributes,
} from '../../data/index.js';
import { InletError, notFound } from '../../errors.js';
import { pageQuery } from '../schemas.js';

const ENVIRONMENT_HEADER = 'inlet-environment';

const keyString = { type: 'string', minLength: 1, maxLength: 255 } as const;
const textAttribute = { type: ['string', 'null'], maxLength: 2048 } as const;
const jsonObject = {
  type: 'object',
  description: 'Merged key by key into the stored object; a key set to null is removed.',
} as const;

const environmentHeaders = {
  type: 'object',
  properties: {
    [ENVIRONMENT_HEADER]: {
      type: 'string',
      maxLength: 63,
      description: 'Environment of the records; defaults to the first configured environment.',
    },
  },
} as const;

/** Builds a querystring schema with `environment` and, for lists, `after` and `limit`. */
function querySchema(paginated: boolean, searchable: boolean) {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      environment: {
        type: 'string',
        maxLength: 63,
        description: 'Same as the Inlet-Environment header.',
      },
      ...(paginated ? pageQuery : {}),
      ...(searchable ? searchQuery : {}),
    },
  } as const;
}

const searchQuery = {
  search: {
    type: 'string',
    maxLength: 200,
    description:
      'Case-insensitive substring of the id or key, or of the name (and the email of users).',
  },
} as const;

function paramsSchema(...names: string[]) {
  return {
    type: 'object',
    properties: Object.fromEntries(names.map((name) => [name, keyString])),
    required: names,
  } as const;
}

/** Builds a route schema: summary, tag, the environment header and query, and the given parts. */
function routeSchema(
  summary: string,
  tag: string,
  parts: { params: string[]; paginated?: boolean; searchable?: boolean; body?: object },
) {
  return {
    summary,
    tags: [tag],
    headers: environmentHeaders,
    querystring: querySchema(parts.paginated ?? false, parts.searchable ?? false),
    params: paramsSchema(...parts.params),
    ...(parts.body === undefined ? {} : { body: parts.body }),
  };
}

const userBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: textAttribute,
    email: textAttribute,
    phone_number: textAttribute,
    avatar: textAttribute,
    locale: textAttribute,
    timezone: textAttribute,
    properties: jsonObject,
  },
} as const;

// `enum` without `type` keeps Ajv from coercing null, 0 or "false" into false, which would opt the
// user out of a workflow, category or channel type that the caller never meant to change.
const strictBoolean = { enum: [true, false] } as const;
const toggles = { type: 'object', additionalProperties: strictBoolean } as const;
const preferencesBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    workflows: { ...toggles, description: 'Keyed by workflow key; false opts out.' },
    categories: { ...toggles, description: 'Keyed by workflow category; false opts out.' },
    channel_types: {
      type: 'object',
      additionalProperties: false,
      properties: Object.fromEntries(CHANNEL_TYPES.map((type) => [type, strictBoolean])),
    },
  },
} as const;

const objectBody = {
  type: 'object',
  additionalProperties: false,
  properties: { name: textAttribute, properties: jsonObject },
} as const;

const subscriptionsBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    recipients: {
      type: 'array',
      items: keyString,
      minItems: 1,
      maxItems: MAX_RECIPIENTS_PER_CALL,
      description: 'User ids.',
    },
    properties: { type: 'object', description: 'Properties of each subscription; replaces them.' },
  },
  required: ['recipients'],
} as const;

const tenantBody = {
  type: 'object',
  additionalProperties: false,
  properties: { name: textAttribute, properties: jsonObject, settings: jsonObject },
} as const;

const membersBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    members: {
      type: 'array',
      minItems: 1,
      maxItems: MAX_MEMBERS_PER_CALL,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          user_id: keyString,
          tenant_id: { type: ['string', 'null'], minLength: 1, maxLength: 255 },
        },
        required: ['user_id'],
      },
    },
  },
  required: ['members'],
} as const;

type Query = PageOptions & { environment?: string };

/**
 * Registers the recipient data API: users with their preferences and subscriptions, objects
 * with their subscriptions, tenants and audiences. Every call works in one environment, chosen
 * by the `Inlet-Environment` header or the `environment` query parameter.
 */
export async function dataRoutes(app: FastifyInstance, inlet: Inlet): Promise<void> {
  const stores = createDataStores(inlet.database.db);
  const environmentOf = (request: FastifyRequest) =>
    resolveEnvironment(request, inlet.config.environments);

  userRoutes(app, stores, environmentOf);
  objectRoutes(app, stores, environmentOf);
  tenantRoutes(app, stores, environmentOf);
  audienceRoutes(app, stores, environmentOf);
}

type EnvironmentOf = (request: FastifyRequest) => string;

function userRoutes(app: FastifyInstance, stores: DataStores, environmentOf: EnvironmentOf): void {
  const { db, users, objects } = stores;
  type Params = { id: string };

  app.put<{ Params: Params; Querystring: Query; Body: UserAttributes }>(
    '/users/:id',
    {
      schema: {
        ...routeSchema('Identify a user: create it or merge the given fields', 'users', {
          params: ['id'],
          body: userBody,
        }),
        description: 'Omitted fields keep their values. A deleted user is created again.',
      },
    },
    async (request, reply) => {
      const environment = environmentOf(request);
      const { id } = request.params;
      const { outcome, user } = await users.identify(db, environment, id, request.body, {
        revive: true,
      });
      request.log.info({ environment, userId: id, outcome }, 'user identified');
      return reply.status(outcome === 'created' ? 201 : 200).send(written(user, `User "${id}"`));
    },
  );

  app.get<{ Params: Params; Querystring: Query }>(
    '/users/:id',
    { schema: routeSchema('Show a user', 'users', { params: ['id'] }) },
    async (request) => {
      const environment = environmentOf(request);
      const user = await users.get(db, environment, request.params.id);
      if (user === null)
        throw notFound(`User "${request.params.id}" in environment "${environment}"`);
      return user;
    },
  );

  app.delete<{ Params: Params; Querystring: Query }>(
    '/users/:id',
    {
      schema: routeSchema(
        'Delete a user with its subscriptions and audience memberships',
        'users',
        {
          params: ['id'],
        },
      ),
    },
    async (request, reply) => {
      const environment = environmentOf(request);
      const { id } = request.params;
      const outcome = await users.delete(db, environment, id);
      if (outcome !== 'deleted') throw notFound(`User "${id}" in environment "${environment}"`);
      request.log.info({ environment, userId: id }, 'user deleted');
      return reply.status(204).send();
    },
  );

  app.get<{ Querystring: Query }>(
    '/users',
    {
      schema: routeSchema('List users sorted by id', 'users', {
        params: [],
        paginated: true,
        searchable: true,
      }),
    },
    async (request) => users.list(db, environmentOf(request), request.query),
  );

  app.get<{ Params: Params; Querystring: Query }>(
    '/users/:id/preferences',
    { schema: routeSchema("Show a user's notification preferences", 'users', { params: ['id'] }) },
    async (request) => {
      const environment = environmentOf(request);
      const preferences = await users.getPreferences(db, environment, request.params.id);
      if (preferences === null)
        throw notFound(`User "${request.params.id}" in environment "${environment}"`);
      return preferences;
    },
  );

  app.put<{ Params: Params; Querystring: Query; Body: unknown }>(
    '/users/:id/preferences',
    {
      schema: {
        ...routeSchema("Replace a user's notification preferences", 'users', {
          params: ['id'],
          body: preferencesBody,
        }),
        description: 'A missing entry means no preference; false opts the user out.',
      },
    },
    async (request) => {
      const environment = environmentOf(request);
      const preferences = await users.setPreferences(
        db,
        environment,
        request.params.id,
        request.body,
      );
      request.log.info({ environment, userId: request.params.id }, 'user preferences set');
      return preferences;
    },
  );

  app.get<{ Params: Params; Querystring: Query }>(
    '/users/:id/subscriptions',
    {
      schema: routeSchema('List the objects a user is subscribed to', 'users', {
        params: ['id'],
        paginated: true,
      }),
    },
    async (request) =>
      objects.subscriptionsOfUser(db, environmentOf(request), request.params.id, request.query),
  );
}

function objectRoutes(
  app: FastifyInstance,
  stores: DataStores,
  environmentOf: EnvironmentOf,
): void {
  const { db, objects } = stores;
  type Params = { collection: string; id: string };
  type SubscriptionsBody = { recipients: string[]; properties?: Record<string, unknown> };
  const objectNotFound = (params: Params, environment: string) =>
    notFound(
      `Object "${params.id}" in collection "${params.collection}" and environment "${environment}"`,
    );

  app.put<{ Params: Params; Querystring: Query; Body: ObjectAttributes }>(
    '/objects/:collection/:id',
    {
      schema: {
        ...routeSchema('Set an object: create it or merge the given fields', 'objects', {
          params: ['collection', 'id'],
          body: objectBody,
        }),
        description: 'Omitted fields keep their values. A deleted object is created again.',
      },
    },
    async (request, reply) => {
      const environment = environmentOf(request);
      const { collection, id } = request.params;
      const { outcome, object } = await objects.set(db, environment, collection, id, request.body, {
        revive: true,
      });
      request.log.info({ environment, collection, objectId: id, outcome }, 'object set');
      return reply
        .status(outcome === 'created' ? 201 : 200)
        .send(written(object, `Object "${id}" in collection "${collection}"`));
    },
  );

  app.get<{ Params: Params; Querystring: Query }>(
    '/objects/:collection/:id',
    { schema: routeSchema('Show an object', 'objects', { params: ['collection', 'id'] }) },
    async (request) => {
      const environment = environmentOf(request);
      const { collection, id } = request.params;
      const object = await objects.get(db, environment, collection, id);
      if (object === null) throw objectNotFound(request.params, environment);
      return object;
    },
  );

  app.delete<{ Params: Params; Querystring: Query }>(
    '/objects/:collection/:id',
    {
      schema: routeSchema('Delete an object with its subscriptions', 'objects', {
        params: ['collection', 'id'],
      }),
    },
    async (request, reply) => {
      const environment = environmentOf(request);
      const { collection, id } = request.params;
      const outcome = await objects.delete(db, environment, collection, id);
      if (outcome !== 'deleted') throw objectNotFound(request.params, environment);
      request.log.info({ environment, collection, objectId: id }, 'object deleted');
      return reply.status(204).send();
    },
  );

  app.get<{ Querystring: Query }>(
    '/objects',
    {
      schema: routeSchema('List the collections that hold live objects, with counts', 'objects', {
        params: [],
      }),
    },
    async (request) => ({ data: await objects.collections(db, environmentOf(request)) }),
  );

  app.get<{ Params: { collection: string }; Querystring: Query }>(
    '/objects/:collection',
    {
      schema: routeSchema('List the objects of a collection sorted by id', 'objects', {
        params: ['collection'],
        paginated: true,
        searchable: true,
      }),
    },
    async (request) =>
      objects.list(db, environmentOf(request), request.params.collection, request.query),
  );

  app.get<{ Params: Params; Querystring: Query }>(
    '/objects/:collection/:id/subscriptions',
    {
      schema: routeSchema("List an object's subscriptions", 'objects', {
        params: ['collection', 'id'],
        paginated: true,
      }),
    },
    async (request) => {
      const environment = environmentOf(request);
      const { collection, id } = request.params;
      if ((await objects.get(db, environment, collection, id)) === null) {
        throw objectNotFound(request.params, environment);
      }
      return objects.subscriptions(db, environment, collection, id, request.query);
    },
  );

  app.post<{ Params: Params; Querystring: Query; Body: SubscriptionsBody }>(
    '/objects/:collection/:id/subscriptions',
    {
      schema: {
        ...routeSchema('Subscribe users to an object', 'objects', {
          params: ['collection', 'id'],
          body: subscriptionsBody,
        }),
        description: 'Creates the object when it does not exist. Deleted users are skipped.',
      },
    },
    async (request) => {
      const environment = environmentOf(request);
      const { collection, id } = request.params;
      const { recipients, properties } = request.body;
      const subscribed = await objects.subscribe(
        db,
        environment,
        collection,
        id,
        recipients,
        properties,
      );
      request.log.info(
        { environment, collection, objectId: id, subscribed },
        'object subscriptions added',
      );
      return { subscribed };
    },
  );

  app.delete<{ Params: Params; Querystring: Query; Body: SubscriptionsBody }>(
    '/objects/:collection/:id/subscriptions',
    {
      schema: routeSchema('Unsubscribe users from an object', 'objects', {
        params: ['collection', 'id'],
        body: subscriptionsBody,
      }),
    },
    async (request) => {
      const environment = environmentOf(request);
      const { collection, id } = request.params;
      const unsubscribed = await objects.unsubscribe(
        db,
        environment,
        collection,
        id,
        request.body.recipients,
      );
      request.log.info(
        { environment, collection, objectId: id, unsubscribed },
        'object subscriptions removed',
      );
      return { unsubscribed };
    },
  );
}

function tenantRoutes(
  app: FastifyInstance,
  stores: DataStores,
  environmentOf: EnvironmentOf,
): void {
  const { db, tenants } = stores;
  type Params = { id: string };

  app.put<{ Params: Params; Querystring: Query; Body: TenantAttributes }>(
    '/tenants/:id',
    {
      schema: {
        ...routeSchema('Set a tenant: create it or merge the given fields', 'tenants', {
          params: ['id'],
          body: tenantBody,
        }),
        description: 'Omitted fields keep their values. A deleted tenant is created again.',
      },
    },
    async (request, reply) => {
      const environment = environmentOf(request);
      const { id } = request.params;
      const { outcome, tenant } = await tenants.set(db, environment, id, request.body, {
        revive: true,
      });
      request.log.info({ environment, tenantId: id, outcome }, 'tenant set');
      return reply
        .status(outcome === 'created' ? 201 : 200)
        .send(written(tenant, `Tenant "${id}"`));
    },
  );

  app.get<{ Params: Params; Querystring: Query }>(
    '/tenants/:id',
    { schema: routeSchema('Show a tenant', 'tenants', { params: ['id'] }) },
    async (request) => {
      const environment = environmentOf(request);
      const tenant = await tenants.get(db, environment, request.params.id);
      if (tenant === null)
        throw notFound(`Tenant "${request.params.id}" in environment "${environment}"`);
      return tenant;
    },
  );

  app.delete<{ Params: Params; Querystring: Query }>(
    '/tenants/:id',
    { schema: routeSchema('Delete a tenant', 'tenants', { params: ['id'] }) },
    async (request, reply) => {
      const environment = environmentOf(request);
      const { id } = request.params;
      const outcome = await tenants.delete(db, environment, id);
      if (outcome !== 'deleted') throw notFound(`Tenant "${id}" in environment "${environment}"`);
      request.log.info({ environment, tenantId: id }, 'tenant deleted');
      return reply.status(204).send();
    },
  );

  app.get<{ Querystring: Query }>(
    '/tenants',
    {
      schema: routeSchema('List tenants sorted by id', 'tenants', {
        params: [],
        paginated: true,
        searchable: true,
      }),
    },
    async (request) => tenants.list(db, environmentOf(request), request.query),
  );
}

function audienceRoutes(
  app: FastifyInstance,
  stores: DataStores,
  environmentOf: EnvironmentOf,
): void {
  const { db, audiences } = stores;
  type Params = { key: string };
  type MembersBody = { members: AudienceMemberInput[] };

  app.get<{ Querystring: Query }>(
    '/audiences',
    {
      schema: routeSchema('List audiences that have members, with counts', 'audiences', {
        params: [],
        searchable: true,
      }),
    },
    async (request) => ({
      data: await audiences.list(db, environmentOf(request), request.query.search),
    }),
  );

  app.get<{ Params: Params; Querystring: Query }>(
    '/audiences/:key/members',
    {
      schema: routeSchema("List an audience's members", 'audiences', {
        params: ['key'],
        paginated: true,
      }),
    },
    async (request) => {
      const environment = environmentOf(request);
      const { key } = request.params;
      if ((await audiences.get(db, environment, key)) === null) {
        throw notFound(`Audience "${key}" in environment "${environment}"`);
      }
      return audiences.members(db, environment, key, request.query);
    },
  );

  app.post<{ Params: Params; Querystring: Query; Body: MembersBody }>(
    '/audiences/:key/members',
    {
      schema: {
        ...routeSchema('Add members to an audience', 'audiences', {
          params: ['key'],
          body: membersBody,
        }),
        description: 'Creates the audience when it does not exist. Deleted users are skipped.',
      },
    },
    async (request) => {
      const environment = environmentOf(request);
      const { key } = request.params;
      const added = await audiences.addMembers(db, environment, key, request.body.members);
      request.log.info({ environment, audience: key, added }, 'audience members added');
      return { added };
    },
  );

  app.delete<{ Params: Params; Querystring: Query; Body: MembersBody }>(
    '/audiences/:key/members',
    {
      schema: routeSchema('Remove members from an audience', 'audiences', {
        params: ['key'],
        body: membersBody,
      }),
    },
    async (request) => {
      const environment = environmentOf(request);
      const { key } = request.params;
      const removed = await audiences.removeMembers(db, environment, key, request.body.members);
      request.log.info({ environment, audience: key, removed }, 'audience members removed');
      return { removed };
    },
  );
}

/**
 * Returns the record a PUT wrote. A write with `revive` and without source time is never stale,
 * so null here is a bug in the store.
 */
function written<T>(record: T | null, subject: string): T {
  if (record === null) throw new Error(`${subject} was not written by a reviving PUT`);
  return record;
}

/**
 * Returns the environment a request works in: the `Inlet-Environment` header or the
 * `environment` query parameter, else the first configured one. Throws `unknown_environment`.
 */
function resolveEnvironment(request: FastifyRequest, environments: string[]): string {
  const header = request.headers[ENVIRONMENT_HEADER];
  const fromHeader = typeof header === 'string' && header !== '' ? header : undefined;
  const fromQuery = (request.query as { environment?: string } | undefined)?.environment;

  if (fromHeader !== undefined && fromQuery !== undefined && fromHeader !== fromQuery) {
    throw new InletError(
      'validation_failed',
      `The Inlet-Environment header ("${fromHeader}") and the environment query parameter ("${fromQuery}") differ; send only one.`,
    );
  }
  const environment = fromHeader ?? fromQuery ?? environments[0]!;
  if (!environments.includes(environment)) {
    throw new InletError(
      'unknown_environment',
      `Environment "${environment}" is not configured; use one of ${environments.join(', ')} or add it to INLET_ENVIRONMENTS.`,
    );
  }
  return environment;
}
