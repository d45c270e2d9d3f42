import type { Db, Tx } from '../db/database.js';
import {
  createDataStores,
  USER_ATTRIBUTES,
  type DataStores,
  type Preferences,
  type Subscriber,
  type TenantRecord,
  type UserAttributes,
  type UserRecord,
} from '../data/index.js';

export type { Preferences, Subscriber, TenantRecord, UserRecord };

/** A user given inline in a trigger: `id`, standard fields, `preferences` and custom properties. */
export type InlineUser = { id: string } & Record<string, unknown>;

/** The recipient data that workflows read and identify, through the stores of src/data. */
export class RecipientDirectory {
  private readonly stores: DataStores;

  constructor(db: Db) {
    this.stores = createDataStores(db);
  }

  /**
   * Identifies a user given inline: standard fields replace the stored ones, other fields merge
   * into its custom properties, and `preferences`, when given, replace the stored preferences.
   * `revive` brings a deleted user back. Throws `validation_failed` for invalid fields.
   */
  async identifyUser(
    exec: Db | Tx,
    environment: string,
    user: InlineUser,
    revive: boolean,
  ): Promise<void> {
    const { attributes, preferences } = splitInlineUser(user);
    const { user: stored } = await this.stores.users.identify(
      exec,
      environment,
      user.id,
      attributes,
      { revive },
    );
    if (stored !== null && preferences !== undefined) {
      await this.stores.users.setPreferences(exec, environment, user.id, preferences);
    }
  }

  /** Returns the live users among `ids`, by id. */
  async findUsers(
    exec: Db | Tx,
    environment: string,
    ids: readonly string[],
  ): Promise<Map<string, UserRecord>> {
    const users = await this.stores.users.getMany(exec, environment, [...ids]);
    return new Map(users.map((user) => [user.id, user]));
  }

  async findUser(exec: Db | Tx, environment: string, id: string): Promise<UserRecord | undefined> {
    return (await this.stores.users.get(exec, environment, id)) ?? undefined;
  }

  async getPreferences(
    exec: Db | Tx,
    environment: string,
    id: string,
  ): Promise<Preferences | undefined> {
    return (await this.stores.users.getPreferences(exec, environment, id)) ?? undefined;
  }

  /** Returns the object's live subscribers, or undefined when the object does not exist. */
  async subscribersOf(
    exec: Db | Tx,
    environment: string,
    collection: string,
    objectId: string,
  ): Promise<Subscriber[] | undefined> {
    const object = await this.stores.objects.get(exec, environment, collection, objectId);
    if (object === null) return undefined;
    return this.stores.objects.subscribersOf(exec, environment, collection, objectId);
  }

  async findTenant(
    exec: Db | Tx,
    environment: string,
    id: string,
  ): Promise<TenantRecord | undefined> {
    return (await this.stores.tenants.get(exec, environment, id)) ?? undefined;
  }
}

/** Builds the recipient variables of templates and paths: custom properties, then standard fields. */
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

function splitInlineUser(user: InlineUser): { attributes: UserAttributes; preferences: unknown } {
  const attributes: Record<string, unknown> = {};
  const properties: Record<string, unknown> = {};
  let preferences: unknown;

  for (const [name, value] of Object.entries(user)) {
    if (name === 'id') continue;
    if (name === 'preferences') preferences = value;
    else if (
      name === 'properties' &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value)
    ) {
      Object.assign(properties, value);
    } else if ((USER_ATTRIBUTES as readonly string[]).includes(name)) attributes[name] = value;
    else properties[name] = value;
  }
  if (Object.keys(properties).length > 0) attributes.properties = properties;
  return { attributes: attributes as UserAttributes, preferences };
}
