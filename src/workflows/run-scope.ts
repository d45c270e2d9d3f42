import type { Tx } from '../db/database.js';
import type { TemplateScope } from '../deliver/render.js';
import type { BatchWindows } from './batch.js';
import {
  tenantScope,
  userScope,
  type Preferences,
  type RecipientDirectory,
  type UserRecord,
} from './recipients.js';
import type { RunRow } from './run-store.js';
import type { RunPathScope } from './run-path.js';
import type { WorkflowVersion } from './workflow-store.js';

/** Everything a step may read about its run: template variables, path roots and the recipient. */
export interface RunScope {
  template: TemplateScope;
  paths: RunPathScope;
  /** Undefined when the recipient was deleted after the trigger. */
  recipient: UserRecord | undefined;
  preferences: Preferences | undefined;
}

/**
 * Loads the variables of a run. The recipient, actor and tenant are read when the step runs, so
 * a message after a delay uses the data identified in the meantime. Inline tenant properties from
 * the trigger override the stored tenant's.
 */
export async function loadRunScope(
  tx: Tx,
  run: RunRow,
  workflow: WorkflowVersion,
  directory: RecipientDirectory,
  batches: BatchWindows,
): Promise<RunScope> {
  const recipient = await directory.findUser(tx, run.environment, run.recipient_id);
  const subscription = parseNullable(run.subscription);
  const recipientVariables = {
    ...(recipient === undefined ? { id: run.recipient_id } : userScope(recipient)),
    ...(subscription === null ? {} : { subscription }),
  };

  const data = JSON.parse(run.data) as Record<string, unknown>;
  const actor = await loadActor(tx, run, directory);
  const tenant = await loadTenant(tx, run, directory);
  const batch = await batches.scopeFor(tx, run);
  const template: TemplateScope = {
    recipient: recipientVariables,
    actor,
    data,
    tenant,
    workflow: {
      key: workflow.key,
      name: workflow.name,
      categories: workflow.categories,
      version: workflow.version,
      run_id: run.id,
    },
    ...(batch === undefined ? {} : { batch }),
  };
  const preferences =
    recipient === undefined
      ? undefined
      : await directory.getPreferences(tx, run.environment, run.recipient_id);
  return {
    template,
    paths: { data, recipient: recipientVariables, actor, tenant },
    recipient,
    preferences,
  };
}

async function loadActor(
  tx: Tx,
  run: RunRow,
  directory: RecipientDirectory,
): Promise<Record<string, unknown> | null> {
  const actor = parseNullable(run.actor) as ({ id: string } & Record<string, unknown>) | null;
  if (actor === null) return null;
  const stored = await directory.findUser(tx, run.environment, actor.id);
  return stored === undefined ? actor : userScope(stored);
}

async function loadTenant(
  tx: Tx,
  run: RunRow,
  directory: RecipientDirectory,
): Promise<Record<string, unknown> | null> {
  const tenant = parseNullable(run.tenant) as ({ id: string } & Record<string, unknown>) | null;
  if (tenant === null) return null;
  const stored = await directory.findTenant(tx, run.environment, tenant.id);
  return stored === undefined ? tenant : { ...tenantScope(stored), ...tenant };
}

function parseNullable(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}
