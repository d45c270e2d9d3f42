import type { Selectable } from 'kysely';
import { inTransaction, type Executor } from './executor.js';
import {
  containsText,
  decodeCursor,
  pageLimit,
  toPage,
  type Page,
  type PageOptions,
} from './pagination.js';
import type { AudienceMembersTable } from './tables.js';
import { findDeletedUserIds } from './user-store.js';
import { assertBatchSize, assertJsonObject, assertKey } from './validation.js';

/** Maximum members in one add or remove call. */
export const MAX_MEMBERS_PER_CALL = 1000;

/** A membership to add or remove; without `tenant_id` it is not scoped to a tenant. */
export interface AudienceMemberInput {
  user_id: string;
  tenant_id?: string | null;
}

export interface AudienceRecord {
  environment: string;
  key: string;
  name: string | null;
  created_at: string;
}

export interface AudienceMemberRecord {
  user_id: string;
  tenant_id: string | null;
  created_at: string;
}

type MemberRow = Selectable<AudienceMembersTable>;

/** A membership as stored. The empty string means "no tenant", so tenant_id can be in the key. */
type MemberKey = { user_id: string; tenant_id: string };

/** Static audiences: named lists of users, each membership optionally scoped to a tenant. */
export class AudienceStore {
  /**
   * Adds members, creating the audience when it does not exist. Existing memberships and deleted
   * users are skipped. Returns the number of memberships added. Throws `validation_failed` for an
   * invalid member or more than 1000 members.
   */
  async addMembers(
    executor: Executor,
    environment: string,
    key: string,
    members: AudienceMemberInput[],
  ): Promise<number> {
    assertAudienceKey(environment, key);
    const memberKeys = validMembers(members);

    return inTransaction(executor, async (tx) => {
      const now = new Date().toISOString();
      await tx
        .insertInto('audiences')
        .values({ environment, key, name: null, created_at: now })
        .onConflict((conflict) => conflict.columns(['environment', 'key']).doNothing())
        .execute();

      const userIds = [...new Set(memberKeys.map((member) => member.user_id))];
      const deleted = await findDeletedUserIds(tx, environment, userIds);
      const rows = memberKeys
        .filter((member) => !deleted.has(member.user_id))
        .map((member) => ({ environment, audience_key: key, ...member, created_at: now }));
      if (rows.length === 0) return 0;

      const result = await tx
        .insertInto('audience_members')
        .values(rows)
        .onConflict((conflict) =>
          conflict.columns(['environment', 'audience_key', 'user_id', 'tenant_id']).doNothing(),
        )
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n);
    });
  }

  /** Removes memberships; returns how many existed. At most 1000 members per call. */
  async removeMembers(
    executor: Executor,
    environment: string,
    key: string,
    members: AudienceMemberInput[],
  ): Promise<number> {
    assertAudienceKey(environment, key);
    const memberKeys = validMembers(members);

    return inTransaction(executor, async (tx) => {
      let removed = 0;
      for (const [tenantId, userIds] of groupByTenant(memberKeys)) {
        const result = await tx
          .deleteFrom('audience_members')
          .where('environment', '=', environment)
          .where('audience_key', '=', key)
          .where('tenant_id', '=', tenantId)
          .where('user_id', 'in', userIds)
          .executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }
      return removed;
    });
  }

  /** Returns the audience, or null when no member was ever added to it. */
  async get(executor: Executor, environment: string, key: string): Promise<AudienceRecord | null> {
    const row = await executor
      .selectFrom('audiences')
      .selectAll()
      .where('environment', '=', environment)
      .where('key', '=', key)
      .executeTakeFirst();
    return row ?? null;
  }

  /** Lists an audience's members sorted by user id, then tenant id. */
  /**
   * Lists the audiences of an environment that have members, with member counts, by key; `search`
   * keeps the keys that contain it.
   */
  async list(
    executor: Executor,
    environment: string,
    search?: string,
  ): Promise<{ key: string; member_count: number }[]> {
    const rows = await executor
      .selectFrom('audience_members')
      .select((eb) => ['audience_key', eb.fn.countAll().as('count')])
      .where('environment', '=', environment)
      .$if(search !== undefined && search !== '', (query) =>
        query.where(containsText('audience_key', search!)),
      )
      .groupBy('audience_key')
      .orderBy('audience_key')
      .execute();
    return rows.map((row) => ({ key: row.audience_key, member_count: Number(row.count) }));
  }

  async members(
    executor: Executor,
    environment: string,
    key: string,
    page: PageOptions = {},
  ): Promise<Page<AudienceMemberRecord>> {
    const limit = pageLimit(page);
    let query = executor
      .selectFrom('audience_members')
      .selectAll()
      .where('environment', '=', environment)
      .where('audience_key', '=', key)
      .orderBy('user_id')
      .orderBy('tenant_id')
      .limit(limit + 1);
    if (page.after !== undefined) {
      const [afterUser, afterTenant] = decodeCursor(page.after, 2);
      query = query.where((eb) =>
        eb.or([
          eb('user_id', '>', afterUser!),
          eb.and([eb('user_id', '=', afterUser!), eb('tenant_id', '>', afterTenant!)]),
        ]),
      );
    }
    const rows = await query.execute();
    return toPage(rows, limit, toMember, (row) => [row.user_id, row.tenant_id]);
  }
}

function assertAudienceKey(environment: string, key: string): void {
  assertKey(environment, 'environment');
  assertKey(key, 'audience key');
}

/** Validates 1 to 1000 members and returns them deduplicated, with "" for no tenant. */
function validMembers(members: AudienceMemberInput[]): MemberKey[] {
  assertBatchSize(members, 'members', MAX_MEMBERS_PER_CALL);
  const unique = new Map<string, MemberKey>();
  members.forEach((member, index) => {
    assertJsonObject(member, `members[${index}]`);
    assertKey(member.user_id, `members[${index}].user_id`);
    const tenantId = member.tenant_id ?? '';
    if (tenantId !== '') assertKey(tenantId, `members[${index}].tenant_id`);
    unique.set(JSON.stringify([member.user_id, tenantId]), {
      user_id: member.user_id,
      tenant_id: tenantId,
    });
  });
  return [...unique.values()];
}

function groupByTenant(members: MemberKey[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const member of members) {
    const userIds = groups.get(member.tenant_id) ?? [];
    userIds.push(member.user_id);
    groups.set(member.tenant_id, userIds);
  }
  return groups;
}

function toMember(row: MemberRow): AudienceMemberRecord {
  return {
    user_id: row.user_id,
    tenant_id: row.tenant_id === '' ? null : row.tenant_id,
    created_at: row.created_at,
  };
}
