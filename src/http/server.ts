import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import Fastify, {
  LogController,
  type FastifyReply,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify';
import type { Inlet } from '../app.js';
import { managementAuthentication } from '../dashboard/authentication.js';
import { currentCredentials, sessionRoutes } from '../dashboard/session-routes.js';
import { SessionStore } from '../dashboard/session-store.js';
import { SignInThrottle } from '../dashboard/sign-in-throttle.js';
import { registerDashboard, sendDashboardPage } from '../dashboard/static-files.js';
import { InletError } from '../errors.js';
import { newId } from '../ids.js';
import { healthRoutes } from './routes/health.js';
import { receiveRoutes } from './routes/receive.js';
import { sourceRoutes, testEventRoutes } from './routes/sources.js';
import { eventRoutes } from './routes/events.js';

/** A route module: registered inside the authenticated `/v1` scope unless it is `public`. */
export interface RouteModule {
  (app: FastifyInstance, inlet: Inlet): Promise<void> | void;
}

const RECEIVE_PREFIX = '/integrations/receive/';

const API_ROUTES: RouteModule[] = [sourceRoutes, testEventRoutes, eventRoutes];

/** Adds an authenticated management API route module; used by the mapping and workflow layers. */
export function registerApiRoutes(...modules: RouteModule[]): void {
  for (const module of modules) if (!API_ROUTES.includes(module)) API_ROUTES.push(module);
}

/** Builds the Fastify application; `listen` is left to the caller. */
export async function buildServer(inlet: Inlet): Promise<FastifyInstance> {
  const app = Fastify({
    // The process logger is a pino instance, which is what Fastify's logger type describes.
    loggerInstance: inlet.log as unknown as FastifyBaseLogger,
    // Per-request access lines are debug-level (see the onResponse hook): at webhook rates they
    // would dominate the log.
    logController: new LogController({ disableRequestLogging: true }),
    requestIdHeader: 'x-request-id',
    genReqId: () => newId('req'),
    // Deliveries log with their request id as a field (see IngestService), so they skip the
    // per-request child logger, which showed in CPU profiles of bench/ingest.
    childLoggerFactory: (logger, bindings, options, rawRequest) =>
      rawRequest.url?.startsWith(RECEIVE_PREFIX) ? logger : logger.child(bindings, options),
    bodyLimit: 1024 * 1024,
    trustProxy: trustedProxies(inlet.config.trustProxy),
    // Record ids may be up to 255 characters; the default limit of 100 would return 414.
    routerOptions: { maxParamLength: 1024 },
    // Malformed URLs and over-long path parameters are rejected by the router before any route
    // runs; they get the same JSON error bodies as everything else.
    frameworkErrors: (error, request, reply) => {
      const mapped = mapError(error as FastifyError);
      request.log.info({ code: mapped.body.code, status: mapped.status }, 'request rejected');
      // The route is unknown here, so the reply has no typed schema: send through the raw form.
      void (reply as FastifyReply).code(mapped.status).send(mapped.body);
    },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: false } },
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Inlet',
        version: '0.1.0',
        description: 'Webhook sources, mappings and workflows.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const mapped = mapError(error);
    const retryAfter = (mapped.body.details as { retry_after_seconds?: number } | undefined)
      ?.retry_after_seconds;
    if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
    if (mapped.status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ code: mapped.body.code, status: mapped.status }, 'request rejected');
    void reply.status(mapped.status).send(mapped.body);
  });
  const dashboard = await registerDashboard(app);
  app.setNotFoundHandler((request, reply) => {
    if (dashboard && sendDashboardPage(request, reply)) return;
    if (!dashboard && request.url === '/') {
      void reply.status(404).send({
        code: 'not_found',
        message: 'The dashboard is not built; run "npm run build" and restart Inlet.',
      });
      return;
    }
    void reply.status(404).send({
      code: 'not_found',
      message: `No route for ${request.method} ${request.url.split('?')[0]}.`,
    });
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.debug(
      {
        method: request.method,
        url: request.routeOptions.url,
        status: reply.statusCode,
        ms: reply.elapsedTime,
      },
      'request finished',
    );
    done();
  });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(async (scope) => healthRoutes(scope, inlet));
  await app.register(async (scope) => receiveRoutes(scope, inlet));
  const sessions = new SessionStore(
    inlet.database.db,
    inlet.config.sessionHours * 3_600_000,
    currentCredentials(inlet.config, inlet.apiKey),
  );
  const throttle = new SignInThrottle();
  await app.register(
    async (v1) => {
      // Cookies are parsed only under /v1, so webhook deliveries skip the parsing hook.
      await v1.register(cookie);
      await v1.register(async (scope) => sessionRoutes(scope, inlet, sessions, throttle));
      await v1.register(async (scope) => {
        scope.addHook('onRequest', managementAuthentication(inlet.apiKey, sessions, throttle));
        for (const module of API_ROUTES) await module(scope, inlet);
      });
    },
    { prefix: '/v1' },
  );
  return app;
}

/** Turns a hop count into the function form; Fastify's types take the count only as that. */
function trustedProxies(setting: boolean | number | string[]) {
  if (typeof setting !== 'number') return setting;
  return (_address: string, hop: number) => hop < setting;
}

function mapError(error: FastifyError): {
  status: number;
  body: { code: string; message: string; details?: unknown };
} {
  if (error instanceof InletError) return { status: error.status, body: error.toJSON() };
  if (error.validation) {
    const where = error.validationContext ?? 'request';
    return {
      status: 400,
      body: { code: 'validation_failed', message: `Invalid ${where}: ${error.message}` },
    };
  }
  switch (error.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // No id is that long, so the response is the same as for any unknown id.
      return { status: 404, body: { code: 'not_found', message: 'Not found.' } };
    case 'FST_ERR_BAD_URL':
      return {
        status: 400,
        body: { code: 'validation_failed', message: 'The request URL is malformed.' },
      };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status: 413, body: { code: 'payload_too_large', message: error.message } };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        status: 415,
        body: { code: 'unsupported_media_type', message: 'Send the body as application/json.' },
      };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return {
        status: 400,
        body: { code: 'invalid_json', message: 'The request body is empty; send a JSON object.' },
      };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // Fastify's parser also rejects valid JSON with prototype-poisoning keys, and it drops the
      // parser's error, so one message covers both cases.
      return {
        status: 400,
        body: {
          code: 'invalid_json',
          message:
            'The request body is not valid JSON, or it has a "__proto__" key or a "constructor" key holding "prototype", which are rejected.',
        },
      };
  }
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return {
      status: error.statusCode,
      body: { code: 'validation_failed', message: error.message },
    };
  }
  return { status: 500, body: { code: 'internal_error', message: 'Internal server error.' } };
}
