import type { Config } from './config.js';
import { migrate, openDatabase, type DatabaseHandle } from './db/database.js';
import { EventLog } from './events/event-log.js';
import { createLogger, type Logger } from './logger.js';
import { JobQueue } from './queue/job-queue.js';
import { Worker, type BatchJobHandler, type JobHandler } from './queue/worker.js';
import { IngestDirectory } from './receive/ingest-directory.js';
import { IngestService } from './receive/ingest.js';
import { RejectionLog } from './receive/rejection-log.js';
import { EventStore } from './record/event-store.js';
import { RetentionSweeper } from './record/retention.js';
import { loadKeys } from './secrets/key-files.js';
import { SecretBox } from './secrets/secret-box.js';
import { SourceService } from './sources/source-service.js';

/** Every service of one Inlet process, wired together. HTTP routes and the CLI use this. */
export interface Inlet {
  config: Config;
  log: Logger;
  database: DatabaseHandle;
  apiKey: string;
  generatedApiKey?: string;
  box: SecretBox;
  queue: JobQueue;
  jobHandlers: Map<string, JobHandler>;
  /** Job kinds handled many at a time, each batch in one transaction. */
  batchJobHandlers: Map<string, BatchJobHandler>;
  worker: Worker;
  sources: SourceService;
  events: EventStore;
  eventLog: EventLog;
  ingest: IngestService;
  retention: RetentionSweeper;
  close(): Promise<void>;
}

export interface CreateInletOptions {
  log?: Logger;
}

/**
 * Opens the database, applies migrations and builds the services. The worker is created but
 * not started: `startServer` starts it once the HTTP server is listening.
 */
export async function createInlet(
  config: Config,
  options: CreateInletOptions = {},
): Promise<Inlet> {
  const log = options.log ?? createLogger(config.logLevel);
  const keys = loadKeys(config);
  const database = openDatabase(config, (error) =>
    log.warn({ err: error }, 'an idle PostgreSQL connection failed; the pool replaces it'),
  );
  try {
    await migrate(database);
  } catch (error) {
    await database.close();
    throw error;
  }

  const { db } = database;
  const box = new SecretBox(keys.encryptionKey);
  const queue = new JobQueue(db, database.kind, {
    maxAttempts: config.jobMaxAttempts,
    backoff: { baseMs: config.jobBackoffBaseMs, maxMs: config.jobBackoffMaxMs },
  });
  const jobHandlers = new Map<string, JobHandler>();
  const batchJobHandlers = new Map<string, BatchJobHandler>();
  const worker = new Worker(
    queue,
    jobHandlers,
    { concurrency: config.workerConcurrency, pollMs: config.workerPollMs, log },
    batchJobHandlers,
  );
  const sources = new SourceService(db, box, {
    environments: config.environments,
    publicUrl: config.publicUrl,
    secretGraceSeconds: config.secretGraceSeconds,
    toleranceSeconds: config.signatureToleranceSeconds,
  });
  const events = new EventStore(db, queue);
  const ingest = new IngestService(
    new IngestDirectory(db, sources),
    events,
    new RejectionLog(db, config.rejectionLogPerMinute, log),
  );
  const retention = new RetentionSweeper(db, config.retentionDays, log);

  const inlet: Inlet = {
    config,
    log,
    database,
    apiKey: keys.apiKey,
    ...(keys.generatedApiKey ? { generatedApiKey: keys.generatedApiKey } : {}),
    box,
    queue,
    jobHandlers,
    batchJobHandlers,
    worker,
    sources,
    events,
    eventLog: new EventLog(db),
    ingest,
    retention,
    async close() {
      retention.stop();
      await worker.stop();
      await database.close();
    },
  };
  return inlet;
}
