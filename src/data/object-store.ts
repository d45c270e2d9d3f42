import type { Selectable } from 'kysely';
import type { Tx } from '../db/database.js';
import { InletError } from '../errors.js';
import { inTransaction, type Executor } from './executor.js';
import { decodeCursor, pageLimit, toPage, type Page, type PageOptions } from './pagination.js';
import type { DeleteOptions, DeleteOutcome, WriteOptions, WriteOutcome } from './record-rules.js';
import type { ObjectSubscriptionsTable, ObjectsTable } from './tables.js';
import {
  assertBatchSize,
  assertJsonObject,
  assertKey,
  assertTextAttribute,
  parseSourceTime,
  serializeObject,
  type JsonObject,
} from './validation.js';
import { claimMembershipChanges } from './membership-versions.js';
import { findDeletedUserIds } from './user-store.js';
import { VersionedTable, type RecordPatch } from './versioned-table.js';

export interface MembershipOptions {
  /**
   * Provider time of the membership change, ISO-8601. A change older than the latest one applied
   * to the same object and recipient is skipped, so late retries cannot undo newer changes.
   */
  sourceTime?: string;
}

/** Maximum recipients in one subscribe or unsubscribe call. */
export const MAX_RECIPIENTS_PER_CALL = 100;

/** Fields of a set call. An omitted field keeps its value and null clears `name`. */
export interface ObjectAttributes {
  name?: string | null;
  /** Custom properties, merged key by key; a key set to null is removed. */
  properties?: JsonObject;
}

export interface ObjectRecord {
  environment: string;
  collection: string;
  id: string;
  name: string | null;
  properties: JsonObject;
  created_at: string;
  updated_at: string;
  source_updated_at: string | null;
}

export interface SubscriptionRecord {
  collection: string;
  object_id: string;
  /** The subscribed user's id. */
  recipient_id: string;
  properties: JsonObject;
  created_at: string;
  updated_at: string;
}

/** A live user subscribed to an object, with the subscription's properties. */
export interface Subscriber {
  user_id: string;
  properties: JsonObject;
}

type ObjectRow = Selectable<ObjectsTable>;
type SubscriptionRow = Selectable<ObjectSubscriptionsTable>;

/**
 * Objects (any entity of the customer's product, grouped in collections) and the users
 * subscribed to them. Objects follow the same merge, staleness and tombstone rules as users.
 */
export class ObjectStore {
  private readonly table = new VersionedTable<ObjectRow>({
    table: 'objects',
    searchColumns: ['id', 'name'],
    textColumns: ['name'],
    jsonColumns: ['properties'],
  });

  /** Creates or merges an object; returns the outcome and the live object afterwards. */
  async set(
    executor: Executor,
    environment: string,
    collection: string,
    id: string,
    attributes: ObjectAttributes,
    options: WriteOptions = {},
  ): Promise<{ outcome: WriteOutcome; object: ObjectRecord | null }> {
    assertObjectKey(environment, collection, id);
    const patch = objectPatch(attributes);
    const key = { environment, collection, id };
    const subject = describeObject(collection, id);
    const { outcome, row } = await this.table.writeRecord(executor, key, patch, options, subject);
    return { outcome, object: row === null ? null : toObject(row) };
  }

  /** Deletes an object, keeping a tombstone, and removes its subscriptions. */
  async delete(
    executor: Executor,
    environment: string,
    collection: string,
    id: string,
    options: DeleteOptions = {},
  ): Promise<DeleteOutcome> {
    assertObjectKey(environment, collection, id);
    const sourceTime = parseSourceTime(options.sourceTime, 'sourceTime');

    return inTransaction(executor, async (tx) => {
      const outcome = await this.table.delete(tx, { environment, collection, id }, sourceTime);
      if (outcome === 'deleted') await deleteSubscriptions(tx, environment, collection, id);
      return outcome;
    });
  }

  /** Returns the object, or null when it does not exist or was deleted. */
  async get(
    executor: Executor,
    environment: string,
    collection: string,
    id: string,
  ): Promise<ObjectRecord | null> {
    const row = await this.table.get(executor, { environment, collection, id });
    return row === undefined ? null : toObject(row);
  }

  /** Lists the collections of an environment that hold live objects, with counts, by name. */
  async collections(
    executor: Executor,
    environment: string,
  ): Promise<{ collection: string; count: number }[]> {
    const rows = await executor
      .selectFrom('objects')
      .select((eb) => ['collection', eb.fn.countAll().as('count')])
      .where('environment', '=', environment)
      .where('deleted_at', 'is', null)
      .groupBy('collection')
      .orderBy('collection')
      .execute();
    return rows.map((row) => ({ collection: row.collection, count: Number(row.count) }));
  }

  /** Lists the live objects of one collection sorted by id. */
  async list(
    executor: Executor,
    environment: string,
    collection: string,
    page: PageOptions = {},
  ): Promise<Page<ObjectRecord>> {
    return this.table.list(executor, { environment, collection }, page, toObject);
  }

  /**
   * Subscribes users to an object, creating the object bare when it does not exist. An existing
   * subscription gets the new `properties` when they are given and is otherwise kept. Deleted
   * users are skipped. Returns the number of recipients subscribed, existing ones included.
   * Throws `not_found` when the object was deleted, and `validation_failed` for more than 100
   * recipients.
   */
  async subscribe(
    executor: Executor,
    environment: string,
    collection: string,
    objectId: string,
    recipientIds: string[],
    properties?: JsonObject,
    options: MembershipOptions = {},
  ): Promise<number> {
    assertObjectKey(environment, collection, objectId);
    const recipients = validRecipients(recipientIds);
    const sourceTime = parseSourceTime(options.sourceTime, 'sourceTime');
    const subject = `subscription to ${describeObject(collection, objectId)}`;
    if (properties !== undefined) assertJsonObject(properties, 'properties');
    const serialized =
      properties === undefined ? undefined : serializeObject(properties, 'properties', subject);

    return inTransaction(executor, async (tx) => {
      await this.ensureLiveObject(tx, environment, collection, objectId);
      // NOTE: user rows are read, not locked, so a user deleted by a concurrent transaction
      // can keep this subscription. subscribersOf still skips it, as it joins live users only.
      const deleted = await findDeletedUserIds(tx, environment, recipients);
      let live = recipients.filter((id) => !deleted.has(id));
      if (sourceTime !== undefined) {
        live = await claimMembershipChanges(
          tx,
          environment,
          collection,
          objectId,
          live,
          sourceTime,
        );
      }
      if (live.length === 0) return 0;

      const now = new Date().toISOString();
      const rows = live.map((recipient_id) => ({
        environment,
        collection,
        object_id: objectId,
        recipient_id,
        properties: serialized ?? '{}',
        created_at: now,
        updated_at: now,
      }));
      await tx
        .insertInto('object_subscriptions')
        .values(rows)
        .onConflict((conflict) => {
          const target = conflict.columns([
            'environment',
            'collection',
            'object_id',
            'recipient_id',
          ]);
          if (serialized === undefined) return target.doNothing();
          return target.doUpdateSet({ properties: serialized, updated_at: now });
        })
        .execute();
      return live.length;
    });
  }

  /** Removes subscriptions; returns how many existed. At most 100 recipients per call. */
  async unsubscribe(
    executor: Executor,
    environment: string,
    collection: string,
    objectId: string,
    recipientIds: string[],
    options: MembershipOptions = {},
  ): Promise<number> {
    assertObjectKey(environment, collection, objectId);
    const sourceTime = parseSourceTime(options.sourceTime, 'sourceTime');
    return inTransaction(executor, async (tx) => {
      let recipients = validRecipients(recipientIds);
      if (sourceTime !== undefined) {
        recipients = await claimMembershipChanges(
          tx,
          environment,
          collection,
          objectId,
          recipients,
          sourceTime,
        );
      }
      if (recipients.length === 0) return 0;
      const result = await tx
        .deleteFrom('object_subscriptions')
        .where('environment', '=', environment)
        .where('collection', '=', collection)
        .where('object_id', '=', objectId)
        .where('recipient_id', 'in', recipients)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  /** Lists an object's subscriptions sorted by recipient id. */
  async subscriptions(
    executor: Executor,
    environment: string,
    collection: string,
    objectId: string,
    page: PageOptions = {},
  ): Promise<Page<SubscriptionRecord>> {
    const limit = pageLimit(page);
    let query = executor
      .selectFrom('object_subscriptions')
      .selectAll()
      .where('environment', '=', environment)
      .where('collection', '=', collection)
      .where('object_id', '=', objectId)
      .orderBy('recipient_id')
      .limit(limit + 1);
    if (page.after !== undefined) {
      const [afterRecipient] = decodeCursor(page.after, 1);
      query = query.where('recipient_id', '>', afterRecipient!);
    }
    const rows = await query.execute();
    return toPage(rows, limit, toSubscription, (row) => [row.recipient_id]);
  }

  /**
   * Returns every live user subscribed to the object, sorted by user id. Subscriptions of users
   * not identified yet are stored but not returned.
   */
  async subscribersOf(
    executor: Executor,
    environment: string,
    collection: string,
    objectId: string,
  ): Promise<Subscriber[]> {
    const rows = await executor
      .selectFrom('object_subscriptions as s')
      .innerJoin('users as u', (join) =>
        join.onRef('u.environment', '=', 's.environment').onRef('u.id', '=', 's.recipient_id'),
      )
      .select(['s.recipient_id', 's.properties'])
      .where('s.environment', '=', environment)
      .where('s.collection', '=', collection)
      .where('s.object_id', '=', objectId)
      .where('u.deleted_at', 'is', null)
      .orderBy('s.recipient_id')
      .execute();
    return rows.map((row) => ({
      user_id: row.recipient_id,
      properties: JSON.parse(row.properties) as JsonObject,
    }));
  }

  /** Lists the subscriptions of one user sorted by collection and object id. */
  async subscriptionsOfUser(
    executor: Executor,
    environment: string,
    userId: string,
    page: PageOptions = {},
  ): Promise<Page<SubscriptionRecord>> {
    const limit = pageLimit(page);
    let query = executor
      .selectFrom('object_subscriptions')
      .selectAll()
      .where('environment', '=', environment)
      .where('recipient_id', '=', userId)
      .orderBy('collection')
      .orderBy('object_id')
      .limit(limit + 1);
    if (page.after !== undefined) {
      const [afterCollection, afterObject] = decodeCursor(page.after, 2);
      query = query.where((eb) =>
        eb.or([
          eb('collection', '>', afterCollection!),
          eb.and([eb('collection', '=', afterCollection!), eb('object_id', '>', afterObject!)]),
        ]),
      );
    }
    const rows = await query.execute();
    return toPage(rows, limit, toSubscription, (row) => [row.collection, row.object_id]);
  }

  /** Creates the object bare when missing; throws `not_found` when it is a tombstone. */
  private async ensureLiveObject(
    tx: Tx,
    environment: string,
    collection: string,
    id: string,
  ): Promise<void> {
    const { outcome } = await this.table.write(
      tx,
      { environment, collection, id },
      { text: {}, json: {} },
      { sourceTime: undefined, revive: false, subject: describeObject(collection, id) },
    );
    if (outcome === 'stale') {
      throw new InletError(
        'not_found',
        `The ${describeObject(collection, id)} in environment "${environment}" was deleted; set it again before subscribing to it.`,
      );
    }
  }
}

function assertObjectKey(environment: string, collection: string, id: string): void {
  assertKey(environment, 'environment');
  assertKey(collection, 'collection');
  assertKey(id, 'object id');
}

function objectPatch(attributes: ObjectAttributes): RecordPatch {
  assertJsonObject(attributes, 'object attributes');
  const { name, properties, ...unknown } = attributes;
  const [extra] = Object.keys(unknown);
  if (extra !== undefined) {
    throw new InletError(
      'validation_failed',
      `Unknown object attribute "${extra}"; use name or put custom fields in properties.`,
    );
  }
  if (name !== undefined) assertTextAttribute(name, 'name');
  if (properties !== undefined) assertJsonObject(properties, 'properties');
  return { text: { name }, json: { properties } };
}

/** Validates recipient ids (1 to 100 per call) and removes duplicates. */
function validRecipients(recipientIds: string[]): string[] {
  assertBatchSize(recipientIds, 'recipients', MAX_RECIPIENTS_PER_CALL);
  recipientIds.forEach((id, index) => assertKey(id, `recipients[${index}]`));
  return [...new Set(recipientIds)];
}

async function deleteSubscriptions(
  tx: Tx,
  environment: string,
  collection: string,
  objectId: string,
): Promise<void> {
  await tx
    .deleteFrom('object_subscriptions')
    .where('environment', '=', environment)
    .where('collection', '=', collection)
    .where('object_id', '=', objectId)
    .execute();
}

function describeObject(collection: string, id: string): string {
  return `object "${id}" in collection "${collection}"`;
}

function toObject(row: ObjectRow): ObjectRecord {
  return {
    environment: row.environment,
    collection: row.collection,
    id: row.id,
    name: row.name,
    properties: JSON.parse(row.properties) as JsonObject,
    created_at: row.created_at,
    updated_at: row.updated_at,
    source_updated_at: row.source_updated_at,
  };
}

function toSubscription(row: SubscriptionRow): SubscriptionRecord {
  return {
    collection: row.collection,
    object_id: row.object_id,
    recipient_id: row.recipient_id,
    properties: JSON.parse(row.properties) as JsonObject,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
