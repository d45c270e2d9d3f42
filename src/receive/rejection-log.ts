import type { Db } from '../db/database.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';

interface Bucket {
  tokens: number;
  refilledAt: number;
  suppressed: number;
}

const MAX_ROWS_PER_ENVIRONMENT = 10_000;
const TRIM_EVERY = 200;

/**
 * Records rejected deliveries (bad signatures, stale timestamps) with a per-environment token
 * bucket, so a flood of forged requests costs at most `perMinute` rows a minute. The rejections
 * beyond that are counted on the next recorded row. The table is also trimmed to the newest 10,000 rows per
 * environment. Bodies are never stored: an unverified body is untrusted input.
 */
export class RejectionLog {
  private readonly buckets = new Map<string, Bucket>();
  private writes = 0;

  constructor(
    private readonly db: Db,
    private readonly perMinute: number,
    private readonly log: Logger,
  ) {}

  record(entry: {
    sourceEnvironmentId: string;
    reasonCode: string;
    detail: string;
    headers: Record<string, string>;
    bodyBytes: number;
  }): void {
    const bucket = this.take(entry.sourceEnvironmentId);
    if (bucket === undefined) return;
    const suppressed = bucket.suppressed;
    bucket.suppressed = 0;

    // Fire-and-forget: the 401 must not wait on the log, and a failed write only loses the record.
    void this.db
      .insertInto('delivery_rejections')
      .values({
        id: newId('rej'),
        source_environment_id: entry.sourceEnvironmentId,
        received_at: new Date().toISOString(),
        reason_code: entry.reasonCode,
        detail: entry.detail,
        headers: JSON.stringify(entry.headers),
        body_bytes: entry.bodyBytes,
        suppressed_before: suppressed,
      })
      .execute()
      .then(() => this.maybeTrim(entry.sourceEnvironmentId))
      .catch((error: unknown) =>
        this.log.error({ err: error }, 'recording a rejected delivery failed'),
      );
  }

  private take(environmentId: string): Bucket | undefined {
    const now = Date.now();
    let bucket = this.buckets.get(environmentId);
    if (bucket === undefined) {
      if (this.buckets.size > 10_000) this.buckets.clear();
      bucket = { tokens: this.perMinute, refilledAt: now, suppressed: 0 };
      this.buckets.set(environmentId, bucket);
    }
    bucket.tokens = Math.min(
      this.perMinute,
      bucket.tokens + ((now - bucket.refilledAt) / 60_000) * this.perMinute,
    );
    bucket.refilledAt = now;
    if (bucket.tokens < 1) {
      bucket.suppressed += 1;
      return undefined;
    }
    bucket.tokens -= 1;
    return bucket;
  }

  private async maybeTrim(environmentId: string): Promise<void> {
    this.writes += 1;
    if (this.writes % TRIM_EVERY !== 0) return;
    const cutoff = await this.db
      .selectFrom('delivery_rejections')
      .select('id')
      .where('source_environment_id', '=', environmentId)
      .orderBy('id', 'desc')
      .offset(MAX_ROWS_PER_ENVIRONMENT)
      .limit(1)
      .executeTakeFirst();
    if (cutoff === undefined) return;
    await this.db
      .deleteFrom('delivery_rejections')
      .where('source_environment_id', '=', environmentId)
      .where('id', '<=', cutoff.id)
      .execute();
  }
}
