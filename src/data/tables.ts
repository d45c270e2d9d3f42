/**
 * Tables of the recipient data that actions change: users, objects and their subscriptions,
 * tenants and audiences. Every row belongs to one environment. `source_updated_at` is the
 * provider's `updated_at` of the snapshot last applied, used to skip stale retries. `deleted_at`
 * marks a tombstone, which is kept so that a late update cannot bring a deleted record back.
 */
export interface DataTables {
  users: UsersTable;
  objects: ObjectsTable;
  object_subscriptions: ObjectSubscriptionsTable;
  subscription_versions: SubscriptionVersionsTable;
  tenants: TenantsTable;
  audiences: AudiencesTable;
  audience_members: AudienceMembersTable;
}

export interface UsersTable {
  environment: string;
  id: string;
  name: string | null;
  email: string | null;
  phone_number: string | null;
  avatar: string | null;
  locale: string | null;
  timezone: string | null;
  /** JSON object of custom properties. */
  properties: string;
  /** JSON object of per-user notification preferences. */
  preferences: string;
  source_updated_at: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface ObjectsTable {
  environment: string;
  collection: string;
  id: string;
  name: string | null;
  properties: string;
  source_updated_at: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface ObjectSubscriptionsTable {
  environment: string;
  collection: string;
  object_id: string;
  /** A user id: subscribers are users. */
  recipient_id: string;
  properties: string;
  created_at: string;
  updated_at: string;
}

/**
 * Provider time of the latest membership change applied per object and recipient, kept after an
 * unsubscribe, so that a late retry of an older subscribe or unsubscribe is skipped as stale.
 */
export interface SubscriptionVersionsTable {
  environment: string;
  collection: string;
  object_id: string;
  recipient_id: string;
  source_time: string;
}

export interface TenantsTable {
  environment: string;
  id: string;
  name: string | null;
  properties: string;
  settings: string;
  source_updated_at: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface AudiencesTable {
  environment: string;
  key: string;
  name: string | null;
  created_at: string;
}

export interface AudienceMembersTable {
  environment: string;
  audience_key: string;
  user_id: string;
  /** Empty string when the membership is not scoped to a tenant. */
  tenant_id: string;
  created_at: string;
}
