import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import type { Inlet } from '../../app.js';

/** Registers `GET /healthz`: 200 once migrations ran and the database responds, 503 otherwise. */
export async function healthRoutes(app: FastifyInstance, inlet: Inlet): Promise<void> {
  app.get('/healthz', { schema: { hide: true } }, async (request, reply) => {
    try {
      await sql`select 1`.execute(inlet.database.db);
      return { status: 'ok', database: inlet.database.kind };
    } catch (error) {
      request.log.error({ err: error }, 'health check failed');
      return reply.status(503).send({ status: 'unavailable', database: inlet.database.kind });
    }
  });
}
