import type { Selectable } from 'kysely';
import { InletError } from '../errors.js';
import { inTransaction, type Executor } from './executor.js';
import type { Page, PageOptions } from './pagination.js';
import type { DeleteOptions, DeleteOutcome, WriteOptions, WriteOutcome } from './record-rules.js';
import type { TenantsTable } from './tables.js';
import {
  assertJsonObject,
  assertKey,
  assertTextAttribute,
  parseSourceTime,
  type JsonObject,
} from './validation.js';
import { VersionedTable, type RecordPatch } from './versioned-table.js';

/** Fields of a set call. An omitted field keeps its value and null clears `name`. */
export interface TenantAttributes {
  name?: string | null;
  /** Custom properties, merged key by key; a key set to null is removed. */
  properties?: JsonObject;
  /** Tenant settings such as branding, merged key by key like properties. */
  settings?: JsonObject;
}

export interface TenantRecord {
  environment: string;
  id: string;
  name: string | null;
  properties: JsonObject;
  settings: JsonObject;
  created_at: string;
  updated_at: string;
  source_updated_at: string | null;
}

type TenantRow = Selectable<TenantsTable>;

/**
 * Tenants (the customer's organizations), with the merge, staleness and tombstone rules of users.
 */
export class TenantStore {
  private readonly table = new VersionedTable<TenantRow>({
    table: 'tenants',
    searchColumns: ['id', 'name'],
    textColumns: ['name'],
    jsonColumns: ['properties', 'settings'],
  });

  /** Creates or merges a tenant; returns the outcome and the live tenant afterwards. */
  async set(
    executor: Executor,
    environment: string,
    id: string,
    attributes: TenantAttributes,
    options: WriteOptions = {},
  ): Promise<{ outcome: WriteOutcome; tenant: TenantRecord | null }> {
    assertKey(environment, 'environment');
    assertKey(id, 'tenant id');
    const patch = tenantPatch(attributes);
    const key = { environment, id };
    const { outcome, row } = await this.table.writeRecord(
      executor,
      key,
      patch,
      options,
      `tenant "${id}"`,
    );
    return { outcome, tenant: row === null ? null : toTenant(row) };
  }

  /**
   * Deletes a tenant, keeping a tombstone. Audience memberships scoped to the tenant stay, so
   * that a tenant set again later keeps its members.
   */
  async delete(
    executor: Executor,
    environment: string,
    id: string,
    options: DeleteOptions = {},
  ): Promise<DeleteOutcome> {
    assertKey(environment, 'environment');
    assertKey(id, 'tenant id');
    const sourceTime = parseSourceTime(options.sourceTime, 'sourceTime');
    return inTransaction(executor, (tx) => this.table.delete(tx, { environment, id }, sourceTime));
  }

  /** Returns the tenant, or null when it does not exist or was deleted. */
  async get(executor: Executor, environment: string, id: string): Promise<TenantRecord | null> {
    const row = await this.table.get(executor, { environment, id });
    return row === undefined ? null : toTenant(row);
  }

  /** Lists live tenants sorted by id. */
  async list(
    executor: Executor,
    environment: string,
    page: PageOptions = {},
  ): Promise<Page<TenantRecord>> {
    return this.table.list(executor, { environment }, page, toTenant);
  }
}

function tenantPatch(attributes: TenantAttributes): RecordPatch {
  assertJsonObject(attributes, 'tenant attributes');
  const { name, properties, settings, ...unknown } = attributes;
  const [extra] = Object.keys(unknown);
  if (extra !== undefined) {
    throw new InletError(
      'validation_failed',
      `Unknown tenant attribute "${extra}"; use name or settings, or put custom fields in properties.`,
    );
  }
  if (name !== undefined) assertTextAttribute(name, 'name');
  if (properties !== undefined) assertJsonObject(properties, 'properties');
  if (settings !== undefined) assertJsonObject(settings, 'settings');
  return { text: { name }, json: { properties, settings } };
}

function toTenant(row: TenantRow): TenantRecord {
  return {
    environment: row.environment,
    id: row.id,
    name: row.name,
    properties: JSON.parse(row.properties) as JsonObject,
    settings: JSON.parse(row.settings) as JsonObject,
    created_at: row.created_at,
    updated_at: row.updated_at,
    source_updated_at: row.source_updated_at,
  };
}
