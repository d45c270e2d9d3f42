import type { Db } from '../db/database.js';
import type { EventRow } from '../db/schema.js';
import { InletError, notFound } from '../errors.js';
import { EVENT_STATUSES } from '../record/event-store.js';

export interface EventFilters {
  event_type?: string;
  status?: string;
  /** Exact provider event id, such as WorkOS's `event_01H…`. */
  provider_event_id?: string;
  /** Inclusive lower bound on the receive time, ISO-8601. */
  since?: string;
  /** Exclusive upper bound on the receive time, ISO-8601. */
  until?: string;
  /** Cursor: the `next_cursor` of the previous page. */
  after?: string;
  limit?: number;
}

export interface EventSummary {
  id: string;
  provider_event_id: string | null;
  event_type: string | null;
  status: string;
  verification: string;
  provider_created_at: string | null;
  received_at: string;
  delivery_count: number;
  last_delivered_at: string;
  processed_at: string | null;
  error: { code: string; message: string | null } | null;
}

export interface EventDetail extends EventSummary {
  body: unknown;
  /** The raw body as text, present only for invalid deliveries. */
  raw_body?: string;
  headers: Record<string, string>;
}

export interface HourlyBucket {
  /** Start of the hour, ISO-8601 UTC. */
  start: string;
  total: number;
  counts: Record<string, number>;
}

export interface HourlyCounts {
  since: string;
  until: string;
  bucket_seconds: number;
  statuses: string[];
  buckets: HourlyBucket[];
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

const MAX_LIMIT = 200;

/** Read side of the event log: newest first, keyset-paginated by event id. */
export class EventLog {
  constructor(private readonly db: Db) {}

  async list(environmentId: string, filters: EventFilters): Promise<Page<EventSummary>> {
    const limit = Math.min(Math.max(filters.limit ?? 50, 1), MAX_LIMIT);
    const rows = await this.db
      .selectFrom('events')
      .select([
        'id',
        'provider_event_id',
        'event_type',
        'status',
        'verification',
        'provider_created_at',
        'received_at',
        'delivery_count',
        'last_delivered_at',
        'processed_at',
        'error_code',
        'error_message',
      ])
      .where('source_environment_id', '=', environmentId)
      .$if(filters.event_type !== undefined, (q) => q.where('event_type', '=', filters.event_type!))
      .$if(filters.status !== undefined, (q) => q.where('status', '=', filters.status!))
      .$if(filters.provider_event_id !== undefined, (q) =>
        q.where('provider_event_id', '=', filters.provider_event_id!),
      )
      .$if(filters.since !== undefined, (q) =>
        q.where('received_at', '>=', isoTime(filters.since!, 'since')),
      )
      .$if(filters.until !== undefined, (q) =>
        q.where('received_at', '<', isoTime(filters.until!, 'until')),
      )
      .$if(filters.after !== undefined, (q) => q.where('id', '<', decodeCursor(filters.after!)))
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();

    const page = rows.slice(0, limit).map((row) => summarize(row));
    const next = rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null;
    return { data: page, next_cursor: next };
  }

  /**
   * Counts, by source key, the events received at or after `since`, with each source's latest
   * receive time of any age, for every source or only `sourceKey`. Sources without events are
   * absent from the map.
   */
  async sourceActivity(
    since: string,
    sourceKey?: string,
  ): Promise<Map<string, { events_24h: number; last_event_at: string | null }>> {
    const recent = await this.db
      .selectFrom('events')
      .innerJoin('source_environments as env', 'env.id', 'events.source_environment_id')
      .innerJoin('sources', 'sources.id', 'env.source_id')
      .select((eb) => ['sources.key', eb.fn.countAll().as('count')])
      .where('events.received_at', '>=', since)
      .$if(sourceKey !== undefined, (query) => query.where('sources.key', '=', sourceKey!))
      .groupBy('sources.key')
      .execute();
    const latest = await this.db
      .selectFrom('event_types')
      .innerJoin('source_environments as env', 'env.id', 'event_types.source_environment_id')
      .innerJoin('sources', 'sources.id', 'env.source_id')
      .select((eb) => ['sources.key', eb.fn.max('event_types.last_received_at').as('last')])
      .$if(sourceKey !== undefined, (query) => query.where('sources.key', '=', sourceKey!))
      .groupBy('sources.key')
      .execute();

    const activity = new Map<string, { events_24h: number; last_event_at: string | null }>();
    for (const row of latest) {
      activity.set(row.key, { events_24h: 0, last_event_at: row.last ?? null });
    }
    for (const row of recent) {
      const entry = activity.get(row.key) ?? { events_24h: 0, last_event_at: null };
      entry.events_24h = Number(row.count);
      activity.set(row.key, entry);
    }
    return activity;
  }

  /**
   * Counts an environment's events per hour and status over the last `hours` hours, the current
   * hour included. Every hour is present, with zero counts where nothing arrived.
   */
  async hourlyCounts(
    environmentId: string,
    hours: number,
    now = new Date(),
  ): Promise<HourlyCounts> {
    const end = new Date(now);
    end.setUTCMinutes(0, 0, 0);
    end.setUTCHours(end.getUTCHours() + 1);
    const start = new Date(end.getTime() - hours * 3_600_000);
    // Receive times are ISO-8601 UTC text, so their first 13 characters name the hour.
    const rows = await this.db
      .selectFrom('events')
      .select((eb) => [
        eb.fn<string>('substr', ['received_at', eb.val(1), eb.val(13)]).as('hour'),
        'status',
        eb.fn.countAll().as('count'),
      ])
      .where('source_environment_id', '=', environmentId)
      .where('received_at', '>=', start.toISOString())
      .groupBy(['hour', 'status'])
      .execute();

    const buckets = new Map<string, HourlyBucket>();
    for (let time = start.getTime(); time < end.getTime(); time += 3_600_000) {
      const iso = new Date(time).toISOString();
      buckets.set(iso.slice(0, 13), { start: iso, total: 0, counts: {} });
    }
    for (const row of rows) {
      const bucket = buckets.get(row.hour);
      if (bucket === undefined) continue;
      const count = Number(row.count);
      bucket.counts[row.status] = (bucket.counts[row.status] ?? 0) + count;
      bucket.total += count;
    }
    return {
      since: start.toISOString(),
      until: end.toISOString(),
      bucket_seconds: 3600,
      statuses: [...EVENT_STATUSES],
      buckets: [...buckets.values()],
    };
  }

  async get(environmentId: string, eventId: string): Promise<EventDetail> {
    const row = await this.db
      .selectFrom('events')
      .selectAll()
      .where('source_environment_id', '=', environmentId)
      .where('id', '=', eventId)
      .executeTakeFirst();
    if (row === undefined) throw notFound(`Event "${eventId}"`);
    return detail(row);
  }

  async eventTypes(environmentId: string): Promise<
    {
      event_type: string;
      count: number;
      first_received_at: string;
      last_received_at: string;
      sample: unknown;
    }[]
  > {
    const rows = await this.db
      .selectFrom('event_types')
      .leftJoin('events', 'events.id', 'event_types.last_event_id')
      .select([
        'event_types.event_type',
        'event_types.count',
        'event_types.first_received_at',
        'event_types.last_received_at',
        'events.raw_body',
      ])
      .where('event_types.source_environment_id', '=', environmentId)
      .orderBy('event_types.last_received_at', 'desc')
      .execute();
    return rows.map((row) => ({
      event_type: row.event_type,
      count: Number(row.count),
      first_received_at: row.first_received_at,
      last_received_at: row.last_received_at,
      sample: row.raw_body ? parseBody(row.raw_body).body : null,
    }));
  }

  async rejections(environmentId: string, filters: { after?: string; limit?: number }) {
    const limit = Math.min(Math.max(filters.limit ?? 50, 1), MAX_LIMIT);
    const rows = await this.db
      .selectFrom('delivery_rejections')
      .selectAll()
      .where('source_environment_id', '=', environmentId)
      .$if(filters.after !== undefined, (q) => q.where('id', '<', decodeCursor(filters.after!)))
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const page = rows.slice(0, limit).map((row) => ({
      id: row.id,
      received_at: row.received_at,
      reason_code: row.reason_code,
      detail: row.detail,
      headers: JSON.parse(row.headers) as Record<string, string>,
      body_bytes: row.body_bytes,
      suppressed_before: row.suppressed_before,
    }));
    const next = rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null;
    return { data: page, next_cursor: next };
  }
}

export function summarize(
  row: Omit<EventRow, 'raw_body' | 'headers' | 'source_environment_id'>,
): EventSummary {
  return {
    id: row.id,
    provider_event_id: row.provider_event_id,
    event_type: row.event_type,
    status: row.status,
    verification: row.verification,
    provider_created_at: row.provider_created_at,
    received_at: row.received_at,
    delivery_count: row.delivery_count,
    last_delivered_at: row.last_delivered_at,
    processed_at: row.processed_at,
    error: row.error_code ? { code: row.error_code, message: row.error_message } : null,
  };
}

export function detail(row: EventRow): EventDetail {
  // An invalid delivery is shown as the text it was, since its body may be one that cannot be
  // parsed or serialized safely (for example nested thousands of levels deep).
  const parsed =
    row.status === 'invalid'
      ? { body: null, raw: Buffer.from(row.raw_body).toString('utf8') }
      : parseBody(row.raw_body);
  return {
    ...summarize(row),
    body: parsed.body,
    ...(parsed.raw === undefined ? {} : { raw_body: parsed.raw }),
    headers: JSON.parse(row.headers) as Record<string, string>,
  };
}

function parseBody(raw: Buffer): { body: unknown; raw?: string } {
  const text = Buffer.from(raw).toString('utf8');
  try {
    return { body: JSON.parse(text) };
  } catch {
    return { body: null, raw: text };
  }
}

function encodeCursor(id: string): string {
  return Buffer.from(id).toString('base64url');
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[a-z]+_[0-9A-Z]{26}$/.test(id)) {
    throw new InletError(
      'validation_failed',
      'The cursor is invalid; pass the next_cursor of a previous page.',
    );
  }
  return id;
}

// A date, optionally with a time and a zone: the ISO-8601 forms that Date.parse reads alike
// everywhere. Other text Date.parse accepts, such as "1" or "Tue Mar 1 2022", is rejected.
const ISO_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

function isoTime(value: string, name: string): string {
  const time = ISO_TIME.test(value) ? Date.parse(value) : Number.NaN;
  // Stored times are compared as text, which holds only for four-digit years.
  if (Number.isNaN(time) || new Date(time).getUTCFullYear() > 9999) {
    throw new InletError(
      'validation_failed',
      `"${name}" must be an ISO-8601 time such as 2025-03-11T09:15:27Z; got "${value}".`,
    );
  }
  return new Date(time).toISOString();
}
