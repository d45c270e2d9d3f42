import type { Db } from '../db/database.js';
import { AudienceStore } from './audience-store.js';
import { ObjectStore } from './object-store.js';
import { TenantStore } from './tenant-store.js';
import { UserStore } from './user-store.js';

export { AudienceStore, MAX_MEMBERS_PER_CALL } from './audience-store.js';
export type {
  AudienceMemberInput,
  AudienceMemberRecord,
  AudienceRecord,
} from './audience-store.js';
export { inTransaction, type Executor } from './executor.js';
export { MAX_RECIPIENTS_PER_CALL, ObjectStore } from './object-store.js';
export type {
  ObjectAttributes,
  ObjectRecord,
  Subscriber,
  SubscriptionRecord,
} from './object-store.js';
export type { Page, PageOptions } from './pagination.js';
export {
  CHANNEL_TYPES,
  parsePreferences,
  type ChannelType,
  type Preferences,
} from './preferences.js';
export type { DeleteOptions, DeleteOutcome, WriteOptions, WriteOutcome } from './record-rules.js';
export { TenantStore } from './tenant-store.js';
export type { TenantAttributes, TenantRecord } from './tenant-store.js';
export { USER_ATTRIBUTES, UserStore } from './user-store.js';
export type { UserAttributes, UserRecord } from './user-store.js';

/**
 * The recipient data stores with the database they normally run on. Every store method takes
 * the executor as its first argument, so callers pass `db` or their own transaction.
 */
export interface DataStores {
  db: Db;
  users: UserStore;
  objects: ObjectStore;
  tenants: TenantStore;
  audiences: AudienceStore;
}

export function createDataStores(db: Db): DataStores {
  return {
    db,
    users: new UserStore(),
    objects: new ObjectStore(),
    tenants: new TenantStore(),
    audiences: new AudienceStore(),
  };
}
