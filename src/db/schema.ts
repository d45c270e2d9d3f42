import type { Generated, Insertable, Selectable, Updateable } from 'kysely';
import type { DataTables } from '../data/tables.js';
import type { MappingTables } from '../act/tables.js';
import type { WorkflowTables } from '../workflows/tables.js';

/**
 * Table shapes shared by SQLite and PostgreSQL. Timestamps are ISO-8601 UTC strings with
 * milliseconds, so they sort and compare the same on both engines; JSON is stored as text.
 */
export interface SourcesTable {
  id: string;
  key: string;
  name: string;
  description: string | null;
  provider: string;
  created_at: string;
  updated_at: string;
}

export interface SourceEnvironmentsTable {
  id: string;
  source_id: string;
  environment: string;
  ingest_id: string;
  tolerance_seconds: number;
  /** JSON array of event types switched off for this environment. */
  disabled_event_types: string;
  created_at: string;
  updated_at: string;
}

export interface SigningSecretsTable {
  id: string;
  source_environment_id: string;
  ciphertext: string;
  hint: string;
  created_at: string;
  /** Null while the secret is current; set to the end of the grace period when replaced. */
  expires_at: string | null;
}

export interface EventsTable {
  id: string;
  source_environment_id: string;
  provider_event_id: string | null;
  event_type: string | null;
  provider_created_at: string | null;
  received_at: string;
  verification: string;
  status: string;
  error_code: string | null;
  error_message: string | null;
  raw_body: Buffer;
  /** JSON object of request headers, lower-cased, without the signature header. */
  headers: string;
  delivery_count: number;
  last_delivered_at: string;
  processed_at: string | null;
}

export interface EventTypesTable {
  source_environment_id: string;
  event_type: string;
  count: number;
  first_received_at: string;
  last_received_at: string;
  last_event_id: string;
}

export interface DeliveryRejectionsTable {
  id: string;
  source_environment_id: string;
  received_at: string;
  reason_code: string;
  detail: string;
  headers: string;
  body_bytes: number;
  /** Rejections not recorded since the previous record, because of the rate limit. */
  suppressed_before: number;
}

export interface JobsTable {
  id: string;
  kind: string;
  payload: string;
  status: string;
  run_at: string;
  attempts: number;
  max_attempts: number;
  locked_by: string | null;
  locked_until: string | null;
  last_error: string | null;
  dedupe_key: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface DashboardSessionsTable {
  /** SHA-256 of the cookie token, hex; the token itself is never stored. */
  id: string;
  username: string;
  /** SHA-256 of the credential that opened the session; changing that credential ends it. */
  credential_digest: string;
  created_at: string;
  expires_at: string;
}

/** Tables of the receiving side: sources, the event log and the job queue. */
export interface CoreTables {
  sources: SourcesTable;
  source_environments: SourceEnvironmentsTable;
  signing_secrets: SigningSecretsTable;
  events: EventsTable;
  event_types: EventTypesTable;
  delivery_rejections: DeliveryRejectionsTable;
  jobs: JobsTable;
  dashboard_sessions: DashboardSessionsTable;
}

/** Every table, each layer contributing its own. */
export type Database = CoreTables & DataTables & MappingTables & WorkflowTables;

export type SourceRow = Selectable<SourcesTable>;
export type SourceEnvironmentRow = Selectable<SourceEnvironmentsTable>;
export type EventRow = Selectable<EventsTable>;
export type NewEvent = Insertable<EventsTable>;
export type JobRow = Selectable<JobsTable>;
export type JobUpdate = Updateable<JobsTable>;
export type { Generated };
