/**
 * Tables of the workflow engine. Definitions (`workflows`, `workflow_versions`) are shared by all
 * environments; every other row belongs to one environment. JSON columns are stored as text.

 */
export interface WorkflowTables {
  workflows: WorkflowsTable;
  workflow_versions: WorkflowVersionsTable;
  channels: ChannelsTable;
  workflow_runs: WorkflowRunsTable;
  workflow_run_steps: WorkflowRunStepsTable;
  workflow_batches: WorkflowBatchesTable;
  workflow_throttles: WorkflowThrottlesTable;
  workflow_idempotency_keys: WorkflowIdempotencyKeysTable;
  messages: MessagesTable;
}

export interface WorkflowsTable {
  key: string;
  name: string;
  description: string | null;
  active: number;
  /** JSON array of category names, used by preferences. */
  categories: string;
  /** JSON array of steps. */
  steps: string;
  /** Increases on every save; runs execute the version current when they were triggered. */
  version: number;
  created_at: string;
  updated_at: string;
}

/** Every saved version of every workflow, so a run waiting in a delay finishes the steps it began with. */
export interface WorkflowVersionsTable {
  workflow_key: string;
  version: number;
  /** JSON of the whole definition: name, description, categories and steps. */
  definition: string;
  created_at: string;
}

export interface ChannelsTable {
  environment: string;
  key: string;
  type: string;
  /** JSON object of the settings that are not secret. */
  settings: string;
  /** SecretBox ciphertext of a JSON object with the secret settings, or null when there are none. */
  secrets: string | null;
  /** JSON object mapping each secret setting to a display hint. */
  secret_hints: string;
  created_at: string;
  updated_at: string;
}

export interface WorkflowRunsTable {
  id: string;
  environment: string;
  workflow_key: string;
  workflow_version: number;
  /** Id shared by the runs of one trigger call. */
  trigger_id: string;
  recipient_id: string;
  /** JSON: subscription properties when the recipient was reached through an object, else null. */
  subscription: string | null;
  /** JSON: the actor as triggered (`{id, ...}`), or null. */
  actor: string | null;
  /** JSON: the tenant as triggered (`{id, ...}`), or null. */
  tenant: string | null;
  /** JSON object of trigger data. */
  data: string;
  cancellation_key: string | null;
  status: string;
  /** JSON array of indexes locating the next step in the step tree; see cursor.ts. */
  cursor: string;
  /** `delay` or `batch` while the run waits, else null. */
  wait_kind: string | null;
  /** The job that resumes the run, for delays. */
  wait_job_id: string | null;
  waiting_until: string | null;
  batch_id: string | null;
  /** For runs whose batch was delivered by another run: that run's id. */
  batched_into_run_id: string | null;
  source_event_id: string | null;
  action_log_id: string | null;
  error_code: string | null;
  error_message: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

/** Step records: one per step a run reached, made unique by an index on (run_id, ref). */
export interface WorkflowRunStepsTable {
  id: string;
  run_id: string;
  ref: string;
  type: string;
  status: string;
  /** JSON object with what the step did, such as the message id or the branch taken. */
  detail: string;
  started_at: string;
  finished_at: string | null;
}

export interface WorkflowBatchesTable {
  id: string;
  environment: string;
  workflow_key: string;
  step_ref: string;
  recipient_id: string;
  /** The value found at the step's key_path, as JSON, or an empty string without key_path. */
  batch_key: string;
  /**
   * Unique while the batch is open and null once it closed, so at most one batch per workflow,
   * step, recipient and key accepts runs. NULLs never collide on SQLite or PostgreSQL.
   */
  open_key: string | null;
  status: string;
  item_count: number;
  max_items: number;
  opened_at: string;
  closes_at: string;
  closed_at: string | null;
  close_job_id: string | null;
  /** The run that continues with every item, chosen when the batch closes. */
  leader_run_id: string | null;
}

export interface WorkflowThrottlesTable {
  /** Environment, workflow key, step ref and throttle key value, joined. */
  throttle_key: string;
  environment: string;
  workflow_key: string;
  step_ref: string;
  window_started_at: string;
  /** Runs that reached the step in the current window, including those throttled. */
  count: number;
  updated_at: string;
}

/** Responses of triggers sent with an Idempotency-Key header, kept for 24 hours. */
export interface WorkflowIdempotencyKeysTable {
  environment: string;
  idempotency_key: string;
  /** SHA-256 of the workflow key and the request body, to detect a reused key. */
  fingerprint: string;
  /** JSON of the first response. */
  response: string;
  created_at: string;
  expires_at: string;
}

export interface MessagesTable {
  id: string;
  environment: string;
  workflow_key: string;
  run_id: string;
  step_ref: string;
  channel_type: string;
  channel_key: string;
  recipient_id: string;
  tenant_id: string | null;
  status: string;
  /** Reason a message was not sent, such as `preference`, or null. */
  status_reason: string | null;
  /** The rule or value behind `status_reason`, such as `categories.billing is false`. */
  status_detail: string | null;
  /** JSON of the rendered content. */
  content: string;
  /** JSON of what the provider returned for the last attempt, or null. */
  provider_response: string | null;
  attempts: number;
  error_code: string | null;
  error_message: string | null;
  source_event_id: string | null;
  seen_at: string | null;
  read_at: string | null;
  archived_at: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}
