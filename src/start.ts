import type { FastifyInstance } from 'fastify';
import { createInlet, type CreateInletOptions, type Inlet } from './app.js';
import type { Config } from './config.js';
import { buildServer } from './http/server.js';
import { installModules } from './modules.js';

export interface RunningInlet {
  inlet: Inlet;
  app: FastifyInstance;
  /** Base URL the server listens on, such as http://127.0.0.1:8080. */
  url: string;
  stop(): Promise<void>;
}

/**
 * Starts a complete Inlet process: database, migrations, HTTP server, worker and retention
 * sweeper. Resolves once the server accepts deliveries.
 */
export async function startInlet(
  config: Config,
  options: CreateInletOptions = {},
): Promise<RunningInlet> {
  const inlet = await createInlet(config, options);
  installModules(inlet);
  const app = await buildServer(inlet);
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await inlet.close();
    throw error;
  }
  inlet.worker.start();
  inlet.retention.start();

  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  inlet.log.info(
    { port, database: inlet.database.kind, publicUrl: config.publicUrl },
    'inlet started',
  );

  let stopping: Promise<void> | undefined;
  return {
    inlet,
    app,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    stop() {
      stopping ??= (async () => {
        await app.close();
        await inlet.close();
        inlet.log.info('inlet stopped');
      })();
      return stopping;
    },
  };
}
