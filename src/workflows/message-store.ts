import type { Insertable, Selectable } from 'kysely';
import type { Db, Tx } from '../db/database.js';
import { InletError, notFound } from '../errors.js';
import { decodeCursor, encodeCursor, pageLimit, type Page } from './pagination.js';
import type { MessagesTable } from './tables.js';

/**
 * Message statuses. A `queued` message waits for its first or next delivery attempt. `sent`
 * means an SMTP server accepted the email, and `delivered` means a chat or webhook receiver
 * responded with 2xx, or the message is in the in-app feed. `undelivered` messages failed for
 * good, and `not_sent` messages were never attempted, with the reason in `status_reason`.
 */
export const MESSAGE_STATUSES = ['queued', 'sent', 'delivered', 'undelivered', 'not_sent'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const ENGAGEMENTS = ['seen', 'read', 'archived'] as const;
export type Engagement = (typeof ENGAGEMENTS)[number];

export type MessageRow = Selectable<MessagesTable>;
export type NewMessage = Insertable<MessagesTable>;

export interface MessageSummary {
  id: string;
  environment: string;
  workflow: string;
  run_id: string;
  step_ref: string;
  channel_type: string;
  channel: string;
  recipient_id: string;
  tenant_id: string | null;
  status: string;
  status_reason: string | null;
  status_detail: string | null;
  content: unknown;
  attempts: number;
  error: { code: string; message: string | null } | null;
  source_event_id: string | null;
  seen_at: string | null;
  read_at: string | null;
  archived_at: string | null;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface MessageDetail extends MessageSummary {
  provider_response: unknown;
}

export interface MessageFilters {
  workflow?: string;
  recipient?: string;
  status?: string;
  channel_type?: string;
  channel?: string;
  source_event_id?: string;
  run_id?: string;
  after?: string;
  limit?: number;
}

export interface FeedFilters {
  status?: 'unread' | 'unseen' | 'all';
  archived?: 'exclude' | 'include' | 'only';
  after?: string;
  limit?: number;
}

export interface FeedPage extends Page<MessageSummary> {
  unread_count: number;
  unseen_count: number;
}

/** Reads messages, and records engagement (seen, read, archived) for in-app feed messages. */
export class MessageStore {
  constructor(
    private readonly db: Db,
    private readonly clock: () => Date,
  ) {}

  async insert(tx: Tx, message: NewMessage): Promise<void> {
    await tx.insertInto('messages').values(message).execute();
  }

  async get(environment: string, id: string): Promise<MessageDetail> {
    const row = await this.findRow(this.db, environment, id);
    if (row === undefined) throw notFound(`Message "${id}" in environment "${environment}"`);
    return { ...summarizeMessage(row), provider_response: parseNullable(row.provider_response) };
  }

  /** Lists messages newest first, keyset-paginated by id. */
  async list(environment: string, filters: MessageFilters): Promise<Page<MessageSummary>> {
    const limit = pageLimit(filters.limit);
    if (
      filters.status !== undefined &&
      !(MESSAGE_STATUSES as readonly string[]).includes(filters.status)
    ) {
      throw new InletError(
        'validation_failed',
        `Message status "${filters.status}" is invalid; use one of ${MESSAGE_STATUSES.join(', ')}.`,
      );
    }
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('environment', '=', environment)
      .$if(filters.workflow !== undefined, (q) => q.where('workflow_key', '=', filters.workflow!))
      .$if(filters.recipient !== undefined, (q) => q.where('recipient_id', '=', filters.recipient!))
      .$if(filters.status !== undefined, (q) => q.where('status', '=', filters.status!))
      .$if(filters.channel_type !== undefined, (q) =>
        q.where('channel_type', '=', filters.channel_type!),
      )
      .$if(filters.channel !== undefined, (q) => q.where('channel_key', '=', filters.channel!))
      .$if(filters.source_event_id !== undefined, (q) =>
        q.where('source_event_id', '=', filters.source_event_id!),
      )
      .$if(filters.run_id !== undefined, (q) => q.where('run_id', '=', filters.run_id!))
      .$if(filters.after !== undefined, (q) => q.where('id', '<', decodeCursor(filters.after!)))
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return toPage(rows, limit);
  }

  async listForRun(runId: string): Promise<MessageSummary[]> {
    const rows = await this.db
      .selectFrom('messages')
      .selectAll()
      .where('run_id', '=', runId)
      .orderBy('id')
      .execute();
    return rows.map(summarizeMessage);
  }

  /**
   * Records that the recipient saw, read or archived a message. Reading also marks it seen. The
   * first time is kept when the same mark arrives again.
   */
  async mark(environment: string, id: string, engagement: Engagement): Promise<MessageDetail> {
    const now = this.clock().toISOString();
    const row = await this.findRow(this.db, environment, id);
    if (row === undefined) throw notFound(`Message "${id}" in environment "${environment}"`);

    await this.db
      .updateTable('messages')
      .set((eb) => ({
        ...(engagement === 'archived'
          ? { archived_at: eb.fn.coalesce('archived_at', eb.val(now)) }
          : {}),
        ...(engagement === 'read' ? { read_at: eb.fn.coalesce('read_at', eb.val(now)) } : {}),
        ...(engagement !== 'archived' ? { seen_at: eb.fn.coalesce('seen_at', eb.val(now)) } : {}),
        updated_at: now,
      }))
      .where('id', '=', id)
      .execute();
    return this.get(environment, id);
  }

  /** Lists a user's in-app feed newest first, with counts of unread and unseen messages. */
  async feed(
    environment: string,
    userId: string,
    channel: string,
    filters: FeedFilters,
  ): Promise<FeedPage> {
    const limit = pageLimit(filters.limit);
    const status = filters.status ?? 'all';
    const archived = filters.archived ?? 'exclude';

    const rows = await this.feedQuery(environment, userId, channel)
      .selectAll()
      .$if(archived === 'exclude', (q) => q.where('archived_at', 'is', null))
      .$if(archived === 'only', (q) => q.where('archived_at', 'is not', null))
      .$if(status === 'unread', (q) => q.where('read_at', 'is', null))
      .$if(status === 'unseen', (q) => q.where('seen_at', 'is', null))
      .$if(filters.after !== undefined, (q) => q.where('id', '<', decodeCursor(filters.after!)))
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();

    const counts = await this.feedQuery(environment, userId, channel)
      .where('archived_at', 'is', null)
      .select((eb) => [
        eb.fn.sum<number>(eb.case().when('read_at', 'is', null).then(1).else(0).end()).as('unread'),
        eb.fn.sum<number>(eb.case().when('seen_at', 'is', null).then(1).else(0).end()).as('unseen'),
      ])
      .executeTakeFirst();
    return {
      ...toPage(rows, limit),
      unread_count: Number(counts?.unread ?? 0),
      unseen_count: Number(counts?.unseen ?? 0),
    };
  }

  /** Marks every unread, unarchived message of a user's feed read; returns how many changed. */
  async markAllRead(environment: string, userId: string, channel: string): Promise<number> {
    const now = this.clock().toISOString();
    const result = await this.db
      .updateTable('messages')
      .set((eb) => ({
        read_at: now,
        seen_at: eb.fn.coalesce('seen_at', eb.val(now)),
        updated_at: now,
      }))
      .where('environment', '=', environment)
      .where('recipient_id', '=', userId)
      .where('channel_type', '=', 'in_app_feed')
      .where('channel_key', '=', channel)
      .where('status', '=', 'delivered')
      .where('read_at', 'is', null)
      .where('archived_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  private feedQuery(environment: string, userId: string, channel: string) {
    return this.db
      .selectFrom('messages')
      .where('environment', '=', environment)
      .where('recipient_id', '=', userId)
      .where('channel_type', '=', 'in_app_feed')
      .where('channel_key', '=', channel)
      .where('status', '=', 'delivered');
  }

  private findRow(exec: Db | Tx, environment: string, id: string) {
    return exec
      .selectFrom('messages')
      .selectAll()
      .where('environment', '=', environment)
      .where('id', '=', id)
      .executeTakeFirst();
  }
}

export function summarizeMessage(row: MessageRow): MessageSummary {
  return {
    id: row.id,
    environment: row.environment,
    workflow: row.workflow_key,
    run_id: row.run_id,
    step_ref: row.step_ref,
    channel_type: row.channel_type,
    channel: row.channel_key,
    recipient_id: row.recipient_id,
    tenant_id: row.tenant_id,
    status: row.status,
    status_reason: row.status_reason,
    status_detail: row.status_detail,
    content: JSON.parse(row.content) as unknown,
    attempts: Number(row.attempts),
    error: row.error_code === null ? null : { code: row.error_code, message: row.error_message },
    source_event_id: row.source_event_id,
    seen_at: row.seen_at,
    read_at: row.read_at,
    archived_at: row.archived_at,
    sent_at: row.sent_at,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function toPage(rows: MessageRow[], limit: number): Page<MessageSummary> {
  const data = rows.slice(0, limit).map(summarizeMessage);
  const next = rows.length > limit ? encodeCursor(data[data.length - 1]!.id) : null;
  return { data, next_cursor: next };
}

function parseNullable(text: string | null): unknown {
  return text === null ? null : (JSON.parse(text) as unknown);
}
