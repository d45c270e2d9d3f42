import type { Db, Tx } from '../db/database.js';

export type Executor = Db | Tx;

/**
 * Operations that actions call on the recipient data and workflow layers. It is an interface so
 * that the actions read and test on their own, and src/modules.ts wires in the real stores.
 */
export interface ActionServices {
  users: {
    identify(
      exec: Executor,
      env: string,
      id: string,
      attributes: Record<string, unknown>,
      options?: { sourceUpdatedAt?: string },
    ): Promise<{ outcome: string }>;
    delete(
      exec: Executor,
      env: string,
      id: string,
      options?: { sourceTime?: string },
    ): Promise<string>;
  };
  objects: {
    set(
      exec: Executor,
      env: string,
      collection: string,
      id: string,
      attributes: { name?: string | null; properties?: Record<string, unknown> },
      options?: { sourceUpdatedAt?: string },
    ): Promise<{ outcome: string }>;
    delete(
      exec: Executor,
      env: string,
      collection: string,
      id: string,
      options?: { sourceTime?: string },
    ): Promise<string>;
    subscribe(
      exec: Executor,
      env: string,
      collection: string,
      id: string,
      recipients: string[],
      properties?: Record<string, unknown>,
      options?: { sourceTime?: string },
    ): Promise<number>;
    unsubscribe(
      exec: Executor,
      env: string,
      collection: string,
      id: string,
      recipients: string[],
      options?: { sourceTime?: string },
    ): Promise<number>;
  };
  tenants: {
    set(
      exec: Executor,
      env: string,
      id: string,
      attributes: {
        name?: string | null;
        properties?: Record<string, unknown>;
        settings?: Record<string, unknown>;
      },
      options?: { sourceUpdatedAt?: string },
    ): Promise<{ outcome: string }>;
    delete(
      exec: Executor,
      env: string,
      id: string,
      options?: { sourceTime?: string },
    ): Promise<string>;
  };
  audiences: {
    addMembers(
      exec: Executor,
      env: string,
      key: string,
      members: { user_id: string; tenant_id?: string }[],
    ): Promise<number>;
    removeMembers(
      exec: Executor,
      env: string,
      key: string,
      members: { user_id: string; tenant_id?: string }[],
    ): Promise<number>;
  };
  workflows: {
    trigger(
      exec: Executor,
      env: string,
      key: string,
      input: {
        recipients: unknown[];
        actor?: unknown;
        data?: Record<string, unknown>;
        tenant?: string;
        cancellation_key?: string;
      },
      options: { idempotencyKey?: string; sourceEventId?: string; actionLogId?: string },
    ): Promise<{ workflow_run_ids: string[] }>;
    cancel(
      exec: Executor,
      env: string,
      key: string,
      input: { cancellation_key: string; recipients?: string[] },
    ): Promise<{ cancelled: number } | { cancelled_run_ids: string[] } | Record<string, unknown>>;
  };
}
