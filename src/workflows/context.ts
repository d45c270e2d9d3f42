import type { Db, DatabaseKind } from '../db/database.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { BatchWindows } from './batch.js';
import type { ChannelStore } from './channel-store.js';
import type { MessageStore } from './message-store.js';
import type { RecipientDirectory } from './recipients.js';
import type { RunStore } from './run-store.js';
import type { WorkflowStore } from './workflow-store.js';

/** The services that the engine's job handlers share. */
export interface EngineContext {
  db: Db;
  kind: DatabaseKind;
  queue: JobQueue;
  log: Logger;
  /** The engine clock; tests replace it to move time forward. */
  clock: () => Date;
  workflows: WorkflowStore;
  channels: ChannelStore;
  messages: MessageStore;
  runs: RunStore;
  directory: RecipientDirectory;
  batches: BatchWindows;
  /** Private or loopback hosts that chat and webhook steps may call. */
  outboundAllowHosts: readonly string[];
}
