/** Workflow shapes as the API returns them. docs/workflows.md describes every field. */

export interface WorkflowCondition {
  path: string;
  operator: string;
  value?: unknown;
}

export interface WorkflowBranch {
  name: string;
  conditions: WorkflowCondition[];
  match: 'all' | 'any';
  steps: WorkflowStep[];
}

/** One step. Which of the optional fields are set depends on `type`. */
export interface WorkflowStep {
  ref: string;
  type: string;
  name?: string;
  description?: string;
  channel?: string;
  template?: Record<string, unknown>;
  duration?: string | number;
  until_path?: string;
  window?: string | number;
  key_path?: string;
  max_items?: number;
  limit?: number;
  branches?: WorkflowBranch[];
  default_steps?: WorkflowStep[];
}

export interface WorkflowDefinition {
  name: string;
  description: string | null;
  active: boolean;
  categories: string[];
  steps: WorkflowStep[];
}

export interface WorkflowView extends WorkflowDefinition {
  key: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface ValidationIssue {
  /** Location such as `steps[2] (ref "welcome-email").template.subject`, or empty for the root. */
  path: string;
  message: string;
}

export interface RunSummary {
  id: string;
  workflow: string;
  workflow_version: number;
  trigger_id: string;
  recipient_id: string;
  status: string;
  cancellation_key: string | null;
  batch_id: string | null;
  batched_into_run_id: string | null;
  waiting_until: string | null;
  source_event_id: string | null;
  action_log_id: string | null;
  error: { code: string; message: string | null } | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}

export interface RunStep {
  ref: string;
  type: string;
  status: string;
  detail: Record<string, unknown>;
  started_at: string;
  finished_at: string | null;
}

export interface RunDetail extends RunSummary {
  data: unknown;
  actor: unknown;
  tenant: unknown;
  subscription: unknown;
  steps: RunStep[];
}

export const RUN_STATUSES = [
  'queued',
  'running',
  'waiting',
  'completed',
  'cancelled',
  'throttled',
  'batched',
  'failed',
] as const;

/** Workflow keys: 1 to 64 lower-case letters, digits, "-" or "_", starting with a letter or digit. */
export const WORKFLOW_KEY_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;

/** Returns the fields of a workflow that its definition file or PUT body contains. */
export function definitionOf(workflow: WorkflowView): WorkflowDefinition {
  return {
    name: workflow.name,
    description: workflow.description,
    active: workflow.active,
    categories: workflow.categories,
    steps: workflow.steps,
  };
}

/** Counts the steps of a tree, including those inside branches. */
export function countSteps(steps: readonly WorkflowStep[]): number {
  let count = 0;
  for (const step of steps) {
    count += 1;
    for (const branch of step.branches ?? []) count += countSteps(branch.steps);
    count += countSteps(step.default_steps ?? []);
  }
  return count;
}

export const STEP_TYPE_LABELS: Record<string, string> = {
  in_app_feed: 'In-app feed',
  email: 'Email',
  chat: 'Chat',
  webhook: 'Webhook',
  delay: 'Delay',
  batch: 'Batch',
  branch: 'Branch',
  throttle: 'Throttle',
};
