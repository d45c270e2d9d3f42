import type { Db, Tx } from '../db/database.js';

/** A user as workflows see it: standard fields, custom properties and preferences. */
export interface UserRecord {
  id: string;
  name: string | null;
  email: string | null;
  phone_number: string | null;
  avatar: string | null;
  locale: string | null;
  timezone: string | null;
  properties: Record<string, unknown>;
  preferences: unknown;
}

/** A user given inline in a trigger: `id`, standard fields, `preferences` and custom properties. */
export type InlineUser = { id: string } & Record<string, unknown>;

export interface Subscription {
  recipient_id: string;
  properties: Record<string, unknown>;
}

export interface TenantRecord {
  id: string;
  name: string | null;
  properties: Record<string, unknown>;
  settings: Record<string, unknown>;
}

const STANDARD_USER_FIELDS = [
  'name',
  'email',
  'phone_number',
  'avatar',
  'locale',
  'timezone',
] as const;

/**
 * Reads and identifies the recipient data that workflows need, in one environment.
 *
 * TODO: switch to the stores from src/data (UserStore, ObjectStore.subscribersOf, TenantStore)
 * once they exist, so that identify rules such as property merging live in one place.
 */
export class RecipientDirectory {
  constructor(private readonly clock: () => Date) {}

  /**
   * Creates or updates a user from an inline trigger recipient. Standard fields given replace
   * the stored ones, custom properties and preferences merge into the stored objects, and a
   * deleted user comes back.
   */
  async identifyUser(exec: Db | Tx, environment: string, user: InlineUser): Promise<void> {
    const now = this.clock().toISOString();
    const { standard, properties, preferences } = splitInlineUser(user);

    const inserted = await exec
      .insertInto('users')
      .values({
        environment,
        id: user.id,
        name: standard.name ?? null,
        email: standard.email ?? null,
        phone_number: standard.phone_number ?? null,
        avatar: standard.avatar ?? null,
        locale: standard.locale ?? null,
        timezone: standard.timezone ?? null,
        properties: JSON.stringify(properties),
        preferences: JSON.stringify(preferences ?? {}),
        source_updated_at: null,
        created_at: now,
        updated_at: now,
        deleted_at: null,
      })
      .onConflict((conflict) => conflict.doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0) return;

    const stored = await exec
      .selectFrom('users')
      .select(['properties', 'preferences', 'deleted_at'])
      .where('environment', '=', environment)
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    const revived = stored.deleted_at !== null;
    await exec
      .updateTable('users')
      .set({
        ...standard,
        properties: JSON.stringify({
          ...(revived ? {} : parseObject(stored.properties)),
          ...properties,
        }),
        preferences: JSON.stringify({
          ...(revived ? {} : parseObject(stored.preferences)),
          ...(preferences ?? {}),
        }),
        updated_at: now,
        deleted_at: null,
      })
      .where('environment', '=', environment)
      .where('id', '=', user.id)
      .execute();
  }

  /** Returns the users among `ids` that exist and are not deleted, by id. */
  async findUsers(
    exec: Db | Tx,
    environment: string,
    ids: readonly string[],
  ): Promise<Map<string, UserRecord>> {
    const found = new Map<string, UserRecord>();
    for (let start = 0; start < ids.length; start += 500) {
      const rows = await exec
        .selectFrom('users')
        .selectAll()
        .where('environment', '=', environment)
        .where('id', 'in', ids.slice(start, start + 500))
        .where('deleted_at', 'is', null)
        .execute();
      for (const row of rows) {
        found.set(row.id, {
          id: row.id,
          name: row.name,
          email: row.email,
          phone_number: row.phone_number,
          avatar: row.avatar,
          locale: row.locale,
          timezone: row.timezone,
          properties: parseObject(row.properties),
          preferences: parseJson(row.preferences),
        });
      }
    }
    return found;
  }

  async findUser(exec: Db | Tx, environment: string, id: string): Promise<UserRecord | undefined> {
    return (await this.findUsers(exec, environment, [id])).get(id);
  }

  /** Returns the object's subscribers, or undefined when the object does not exist. */
  async subscribersOf(
    exec: Db | Tx,
    environment: string,
    collection: string,
    objectId: string,
  ): Promise<Subscription[] | undefined> {
    const object = await exec
      .selectFrom('objects')
      .select('id')
      .where('environment', '=', environment)
      .where('collection', '=', collection)
      .where('id', '=', objectId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (object === undefined) return undefined;

    const rows = await exec
      .selectFrom('object_subscriptions')
      .select(['recipient_id', 'properties'])
      .where('environment', '=', environment)
      .where('collection', '=', collection)
      .where('object_id', '=', objectId)
      .orderBy('created_at')
      .orderBy('recipient_id')
      .execute();
    return rows.map((row) => ({
      recipient_id: row.recipient_id,
      properties: parseObject(row.properties),
    }));
  }

  async findTenant(
    exec: Db | Tx,
    environment: string,
    id: string,
  ): Promise<TenantRecord | undefined> {
    const row = await exec
      .selectFrom('tenants')
      .select(['id', 'name', 'properties', 'settings'])
      .where('environment', '=', environment)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      id: row.id,
      name: row.name,
      properties: parseObject(row.properties),
      settings: parseObject(row.settings),
    };
  }
}

/** The recipient variables templates and paths see: custom properties, then standard fields. */
export function userScope(user: UserRecord): Record<string, unknown> {
  return {
    ...user.properties,
    id: user.id,
    name: user.name,
    email: user.email,
    phone_number: user.phone_number,
    avatar: user.avatar,
    locale: user.locale,
    timezone: user.timezone,
  };
}

export function tenantScope(tenant: TenantRecord): Record<string, unknown> {
  return { ...tenant.properties, id: tenant.id, name: tenant.name, settings: tenant.settings };
}

function splitInlineUser(user: InlineUser) {
  const standard: Partial<Record<(typeof STANDARD_USER_FIELDS)[number], string | null>> = {};
  const properties: Record<string, unknown> = {};
  let preferences: Record<string, unknown> | undefined;

  for (const [name, value] of Object.entries(user)) {
    if (name === 'id') continue;
    if (name === 'preferences') {
      if (typeof value === 'object' && value !== null && !Array.isArray(value))
        preferences = value as Record<string, unknown>;
    } else if ((STANDARD_USER_FIELDS as readonly string[]).includes(name)) {
      standard[name as (typeof STANDARD_USER_FIELDS)[number]] =
        value === null ? null : String(value);
    } else {
      properties[name] = value;
    }
  }
  return { standard, properties, preferences };
}

function parseJson(text: string | null): unknown {
  if (text === null || text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function parseObject(text: string | null): Record<string, unknown> {
  const value = parseJson(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
