import type { Db } from '../db/database.js';
import type { Provider } from '../providers/provider.js';
import { getProvider } from '../providers/registry.js';
import type { SourceService } from '../sources/source-service.js';

export interface IngestTarget {
  environmentId: string;
  sourceKey: string;
  environment: string;
  provider: Provider;
  toleranceSeconds: number;
  disabledEventTypes: ReadonlySet<string>;
  secrets: readonly string[];
}

interface CacheEntry {
  target: IngestTarget | null;
  loadedAt: number;
  version: number;
}

const TTL_MS = 2000;
const MAX_ENTRIES = 10_000;

/**
 * Looks up the source environment behind an ingest id, with its decrypted secrets. Entries live
 * for two seconds, and changes made through this process drop them at once. Other processes
 * sharing a PostgreSQL database pick up a change within those two seconds. Unknown ids are cached
 * too, so a flood of guesses does not reach the database on every request.
 */
export class IngestDirectory {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly db: Db,
    private readonly sources: SourceService,
  ) {}

  async lookup(ingestId: string, now = Date.now()): Promise<IngestTarget | null> {
    const cached = this.cache.get(ingestId);
    if (cached && now - cached.loadedAt < TTL_MS && cached.version === this.sources.changeVersion) {
      return cached.target;
    }
    const version = this.sources.changeVersion;
    const target = await this.load(ingestId);
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(ingestId, { target, loadedAt: now, version });
    return target;
  }

  private async load(ingestId: string): Promise<IngestTarget | null> {
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(ingestId)) return null;
    const row = await this.db
      .selectFrom('source_environments as env')
      .innerJoin('sources', 'sources.id', 'env.source_id')
      .select([
        'env.id',
        'env.environment',
        'env.tolerance_seconds',
        'env.disabled_event_types',
        'sources.key',
        'sources.provider',
      ])
      .where('env.ingest_id', '=', ingestId)
      .executeTakeFirst();
    if (row === undefined) return null;

    return {
      environmentId: row.id,
      sourceKey: row.key,
      environment: row.environment,
      provider: getProvider(row.provider),
      toleranceSeconds: row.tolerance_seconds,
      disabledEventTypes: new Set(JSON.parse(row.disabled_event_types) as string[]),
      secrets: await this.sources.activeSecrets(row.id),
    };
  }
}
