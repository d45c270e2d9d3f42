import { InletError } from '../errors.js';
import { ACTION_SCHEMAS, type ActionParameters, type ActionType } from './action-types.js';
import type { ActionServices, Executor } from './action-services.js';

export interface ActionScope {
  exec: Executor;
  environment: string;
  eventId: string;
  mappingId: string;
  actionLogId: string;
}

/** Result of an action; `outcome` is `stale` when newer data was already stored. */
export interface ActionResult {
  outcome: string;
  [key: string]: unknown;
}

type Executors = {
  [T in ActionType]: (
    params: ActionParameters<T>,
    scope: ActionScope,
    services: ActionServices,
  ) => Promise<ActionResult>;
};

/** Runs one action with values already validated by its schema in ACTION_SCHEMAS. */
export function executeAction<T extends ActionType>(
  type: T,
  params: ActionParameters<T>,
  scope: ActionScope,
  services: ActionServices,
): Promise<ActionResult> {
  const execute = EXECUTORS[type] as (
    params: ActionParameters<T>,
    scope: ActionScope,
    services: ActionServices,
  ) => Promise<ActionResult>;
  return execute(params, scope, services);
}

export function parseParameters<T extends ActionType>(type: T, values: Record<string, unknown>) {
  return ACTION_SCHEMAS[type].safeParse(values);
}

const EXECUTORS: Executors = {
  async users_identify(params, scope, { users }) {
    const { id, source_updated_at: sourceUpdatedAt, ...attributes } = params;
    const result = await users.identify(
      scope.exec,
      scope.environment,
      id,
      definedOnly(attributes),
      sourceUpdatedAt ? { sourceUpdatedAt } : {},
    );
    return { outcome: result.outcome, user_id: id };
  },

  async users_delete(params, scope, { users }) {
    const outcome = await users.delete(
      scope.exec,
      scope.environment,
      params.id,
      params.source_time ? { sourceTime: params.source_time } : {},
    );
    return { outcome, user_id: params.id };
  },

  async objects_set(params, scope, { objects }) {
    const { collection, id, source_updated_at: sourceUpdatedAt, ...attributes } = params;
    const result = await objects.set(
      scope.exec,
      scope.environment,
      collection,
      id,
      definedOnly(attributes),
      sourceUpdatedAt ? { sourceUpdatedAt } : {},
    );
    return { outcome: result.outcome, collection, object_id: id };
  },

  async objects_delete(params, scope, { objects }) {
    const outcome = await objects.delete(
      scope.exec,
      scope.environment,
      params.collection,
      params.id,
      params.source_time ? { sourceTime: params.source_time } : {},
    );
    return { outcome, collection: params.collection, object_id: params.id };
  },

  async tenants_set(params, scope, { tenants }) {
    const { id, source_updated_at: sourceUpdatedAt, ...attributes } = params;
    const result = await tenants.set(
      scope.exec,
      scope.environment,
      id,
      definedOnly(attributes),
      sourceUpdatedAt ? { sourceUpdatedAt } : {},
    );
    return { outcome: result.outcome, tenant_id: id };
  },

  async tenants_delete(params, scope, { tenants }) {
    const outcome = await tenants.delete(
      scope.exec,
      scope.environment,
      params.id,
      params.source_time ? { sourceTime: params.source_time } : {},
    );
    return { outcome, tenant_id: params.id };
  },

  async objects_subscribe(params, scope, { objects }) {
    const target = {
      collection: params.collection,
      object_id: params.id,
      recipients: params.recipients,
    };
    try {
      const count = await objects.subscribe(
        scope.exec,
        scope.environment,
        params.collection,
        params.id,
        params.recipients,
        params.properties,
        params.source_time ? { sourceTime: params.source_time } : {},
      );
      return { outcome: count === 0 ? 'stale' : 'subscribed', ...target, count };
    } catch (error) {
      // The object was deleted: a membership that arrives after its group's deletion is stale.
      if (error instanceof InletError && error.code === 'not_found')
        return { outcome: 'stale', ...target, reason: error.message };
      throw error;
    }
  },

  async objects_unsubscribe(params, scope, { objects }) {
    const count = await objects.unsubscribe(
      scope.exec,
      scope.environment,
      params.collection,
      params.id,
      params.recipients,
      params.source_time ? { sourceTime: params.source_time } : {},
    );
    return {
      outcome: count === 0 && params.source_time ? 'stale' : 'unsubscribed',
      collection: params.collection,
      object_id: params.id,
      recipients: params.recipients,
      count,
    };
  },

  async audiences_add_member(params, scope, { audiences }) {
    const members = params.users.map((user_id) =>
      params.tenant ? { user_id, tenant_id: params.tenant } : { user_id },
    );
    const count = await audiences.addMembers(
      scope.exec,
      scope.environment,
      params.audience,
      members,
    );
    return { outcome: 'added', audience: params.audience, count };
  },

  async audiences_remove_member(params, scope, { audiences }) {
    const members = params.users.map((user_id) =>
      params.tenant ? { user_id, tenant_id: params.tenant } : { user_id },
    );
    const count = await audiences.removeMembers(
      scope.exec,
      scope.environment,
      params.audience,
      members,
    );
    return { outcome: 'removed', audience: params.audience, count };
  },

  async workflows_cancel(params, scope, { workflows }) {
    const result = await workflows.cancel(scope.exec, scope.environment, params.workflow, {
      cancellation_key: params.cancellation_key,
      ...(params.recipients ? { recipients: params.recipients } : {}),
    });
    return { outcome: 'cancelled', ...result };
  },

  async workflows_trigger(params, scope, { workflows }) {
    const { workflow, ...input } = params;
    // The key is derived from the event and mapping, so a replay or a retried job finds the runs
    // of the first trigger instead of starting new ones.
    const result = await workflows.trigger(
      scope.exec,
      scope.environment,
      workflow,
      definedOnly(input) as typeof input,
      {
        idempotencyKey: `event:${scope.eventId}:mapping:${scope.mappingId}`,
        sourceEventId: scope.eventId,
        actionLogId: scope.actionLogId,
      },
    );
    return { outcome: 'triggered', workflow, workflow_run_ids: result.workflow_run_ids };
  },
};

function definedOnly<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
