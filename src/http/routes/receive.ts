import type { FastifyInstance } from 'fastify';
import type { Inlet } from '../../app.js';
import type { Logger } from '../../logger.js';

/**
 * `POST /integrations/receive/{ingest id}`: the webhook URL given to providers. The body is
 * kept as raw bytes whatever its content type, because the signature covers those exact bytes.
 */
export async function receiveRoutes(app: FastifyInstance, inlet: Inlet): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    '*',
    { parseAs: 'buffer', bodyLimit: inlet.config.maxBodyBytes },
    (_request, body, done) => {
      done(null, body);
    },
  );

  app.post<{ Params: { ingestId: string } }>(
    '/integrations/receive/:ingestId',
    {
      bodyLimit: inlet.config.maxBodyBytes,
      schema: {
        summary: 'Receive a webhook delivery',
        tags: ['receive'],
        security: [],
        params: {
          type: 'object',
          properties: { ingestId: { type: 'string' } },
          required: ['ingestId'],
        },
      },
    },
    async (request, reply) => {
      const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const response = await inlet.ingest.receive({
        ingestId: request.params.ingestId,
        rawBody,
        headers: request.headers,
        log: request.log as unknown as Logger,
        requestId: request.id,
      });
      return reply.status(response.status).send(response.body);
    },
  );
}
