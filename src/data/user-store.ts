import type { Selectable } from 'kysely';
import { InletError, notFound } from '../errors.js';
import { inTransaction, type Executor } from './executor.js';
import type { Page, PageOptions } from './pagination.js';
import { parsePreferences, readPreferences, type Preferences } from './preferences.js';
import type { DeleteOptions, DeleteOutcome, WriteOptions, WriteOutcome } from './record-rules.js';
import type { UsersTable } from './tables.js';
import {
  assertEmail,
  assertJsonObject,
  assertKey,
  assertPhoneNumber,
  assertTextAttribute,
  parseSourceTime,
  type JsonObject,
} from './validation.js';
import { VersionedTable, type RecordPatch } from './versioned-table.js';

/** The standard user attributes; everything else goes in `properties`. */
export const USER_ATTRIBUTES = [
  'name',
  'email',
  'phone_number',
  'avatar',
  'locale',
  'timezone',
] as const;

/** Fields of an identify call. An omitted field keeps its value and null clears it. */
export interface UserAttributes {
  name?: string | null;
  email?: string | null;
  phone_number?: string | null;
  avatar?: string | null;
  locale?: string | null;
  timezone?: string | null;
  /** Custom properties, merged key by key; a key set to null is removed. */
  properties?: JsonObject;
}

export interface UserRecord {
  environment: string;
  id: string;
  name: string | null;
  email: string | null;
  phone_number: string | null;
  avatar: string | null;
  locale: string | null;
  timezone: string | null;
  properties: JsonObject;
  created_at: string;
  updated_at: string;
  /** Provider time of the last snapshot applied, or null when only the API wrote the user. */
  source_updated_at: string | null;
}

type UserRow = Selectable<UsersTable>;

const GET_MANY_CHUNK = 500;

/**
 * Users of each environment. Identify merges, a stale snapshot is skipped, and a delete keeps a
 * tombstone; the rules are described on `WriteOptions` and in record-rules.ts.
 */
export class UserStore {
  private readonly table = new VersionedTable<UserRow>({
    table: 'users',
    searchColumns: ['id', 'name', 'email'],
    textColumns: USER_ATTRIBUTES,
    jsonColumns: ['properties'],
    resetColumns: { preferences: '{}' },
  });

  /**
   * Creates or merges a user. Returns the outcome and the live user afterwards, which is null when
   * a stale identify met a deleted user. Throws `validation_failed` naming the invalid field.
   */
  async identify(
    executor: Executor,
    environment: string,
    id: string,
    attributes: UserAttributes,
    options: WriteOptions = {},
  ): Promise<{ outcome: WriteOutcome; user: UserRecord | null }> {
    assertKey(environment, 'environment');
    assertKey(id, 'user id');
    const patch = userPatch(attributes);
    const key = { environment, id };
    const { outcome, row } = await this.table.writeRecord(
      executor,
      key,
      patch,
      options,
      `user "${id}"`,
    );
    return { outcome, user: row === null ? null : toUser(row) };
  }

  /**
   * Deletes a user, keeping a tombstone, and removes its object subscriptions and audience
   * memberships. Returns `stale` when the stored snapshot is newer than `sourceTime`.
   */
  async delete(
    executor: Executor,
    environment: string,
    id: string,
    options: DeleteOptions = {},
  ): Promise<DeleteOutcome> {
    assertKey(environment, 'environment');
    assertKey(id, 'user id');
    const sourceTime = parseSourceTime(options.sourceTime, 'sourceTime');

    return inTransaction(executor, async (tx) => {
      const outcome = await this.table.delete(tx, { environment, id }, sourceTime);
      if (outcome !== 'deleted') return outcome;

      await tx
        .deleteFrom('object_subscriptions')
        .where('environment', '=', environment)
        .where('recipient_id', '=', id)
        .execute();
      await tx
        .deleteFrom('audience_members')
        .where('environment', '=', environment)
        .where('user_id', '=', id)
        .execute();
      return outcome;
    });
  }

  /** Returns the user, or null when it does not exist or was deleted. */
  async get(executor: Executor, environment: string, id: string): Promise<UserRecord | null> {
    const row = await this.table.get(executor, { environment, id });
    return row === undefined ? null : toUser(row);
  }

  /** Returns the live users among `ids`, in the order of `ids`, skipping missing ones. */
  async getMany(executor: Executor, environment: string, ids: string[]): Promise<UserRecord[]> {
    const unique = [...new Set(ids)];
    const found = new Map<string, UserRecord>();
    for (let start = 0; start < unique.length; start += GET_MANY_CHUNK) {
      const chunk = unique.slice(start, start + GET_MANY_CHUNK);
      const rows = await executor
        .selectFrom('users')
        .selectAll()
        .where('environment', '=', environment)
        .where('id', 'in', chunk)
        .where('deleted_at', 'is', null)
        .execute();
      for (const row of rows) found.set(row.id, toUser(row));
    }
    return unique.flatMap((id) => found.get(id) ?? []);
  }

  /** Lists live users sorted by id. */
  async list(
    executor: Executor,
    environment: string,
    page: PageOptions = {},
  ): Promise<Page<UserRecord>> {
    return this.table.list(executor, { environment }, page, toUser);
  }

  /** Replaces a user's preferences and returns them. Throws `not_found` for a missing user. */
  async setPreferences(
    executor: Executor,
    environment: string,
    id: string,
    preferences: unknown,
  ): Promise<Preferences> {
    assertKey(environment, 'environment');
    assertKey(id, 'user id');
    const parsed = parsePreferences(preferences);
    const result = await executor
      .updateTable('users')
      .set({ preferences: JSON.stringify(parsed), updated_at: new Date().toISOString() })
      .where('environment', '=', environment)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n)
      throw notFound(`User "${id}" in environment "${environment}"`);
    return parsed;
  }

  /** Returns a user's preferences, or null when the user does not exist or was deleted. */
  async getPreferences(
    executor: Executor,
    environment: string,
    id: string,
  ): Promise<Preferences | null> {
    const row = await executor
      .selectFrom('users')
      .select('preferences')
      .where('environment', '=', environment)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (row === undefined) return null;
    return readPreferences(row.preferences);
  }
}

/** Returns which of `ids` are deleted users (tombstones) in the environment. */
export async function findDeletedUserIds(
  executor: Executor,
  environment: string,
  ids: string[],
): Promise<Set<string>> {
  const rows = await executor
    .selectFrom('users')
    .select('id')
    .where('environment', '=', environment)
    .where('id', 'in', ids)
    .where('deleted_at', 'is not', null)
    .execute();
  return new Set(rows.map((row) => row.id));
}

/** Validates identify attributes and splits them into text columns and the properties patch. */
function userPatch(attributes: UserAttributes): RecordPatch {
  assertJsonObject(attributes, 'user attributes');
  const text: RecordPatch['text'] = {};
  let properties: JsonObject | undefined;

  for (const [field, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    if (field === 'properties') {
      assertJsonObject(value, 'properties');
      properties = value;
    } else if ((USER_ATTRIBUTES as readonly string[]).includes(field)) {
      assertTextAttribute(value, field);
      text[field] = value;
    } else {
      throw new InletError(
        'validation_failed',
        `Unknown user attribute "${field}"; use one of ${USER_ATTRIBUTES.join(', ')} or put custom fields in properties.`,
      );
    }
  }
  assertEmail(text.email ?? null, 'email');
  assertPhoneNumber(text.phone_number ?? null, 'phone_number');
  return { text, json: { properties } };
}

function toUser(row: UserRow): UserRecord {
  return {
    environment: row.environment,
    id: row.id,
    name: row.name,
    email: row.email,
    phone_number: row.phone_number,
    avatar: row.avatar,
    locale: row.locale,
    timezone: row.timezone,
    properties: JSON.parse(row.properties) as JsonObject,
    created_at: row.created_at,
    updated_at: row.updated_at,
    source_updated_at: row.source_updated_at,
  };
}
