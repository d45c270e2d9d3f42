import type { Db, Tx } from '../db/database.js';
import type { SourceEnvironmentRow, SourceRow } from '../db/schema.js';
import { InletError, notFound } from '../errors.js';
import { newId, newToken } from '../ids.js';
import { getProvider } from '../providers/registry.js';
import { SecretBox, secretHint } from '../secrets/secret-box.js';

export interface SourceInput {
  name: string;
  description?: string | null;
  provider: string;
}

export interface EnvironmentSettingsInput {
  signing_secret?: string;
  /** Seconds the replaced secret stays valid; defaults to the configured grace period. */
  secret_grace_seconds?: number;
  /** Ends the grace period of every previous secret now. */
  revoke_previous_secrets?: boolean;
  tolerance_seconds?: number;
  disabled_event_types?: string[];
  enabled_event_types?: string[];
}

export interface SecretView {
  id: string;
  hint: string;
  created_at: string;
  expires_at: string | null;
}

export interface EnvironmentView {
  environment: string;
  webhook_url: string;
  tolerance_seconds: number;
  disabled_event_types: string[];
  signing_secrets: SecretView[];
  updated_at: string;
}

export interface SourceView {
  key: string;
  name: string;
  description: string | null;
  provider: string;
  created_at: string;
  updated_at: string;
  environments: EnvironmentView[];
}

/** Called inside the transaction that creates a source, for example to install default mappings. */
export type SourceCreatedHook = (
  tx: Tx,
  source: SourceRow,
  environments: SourceEnvironmentRow[],
  options: Record<string, unknown>,
) => Promise<void>;

/**
 * Creates and configures sources and their per-environment settings. Signing secrets are
 * write-only: views carry a hint and never the secret.
 */
export class SourceService {
  private readonly createdHooks: SourceCreatedHook[] = [];
  /** Bumped on every change, so caches in this process can drop stale entries at once. */
  private version = 0;

  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly options: {
      environments: string[];
      publicUrl: string;
      secretGraceSeconds: number;
      /** Tolerance of new environments; the provider's default when not given. */
      toleranceSeconds?: number;
    },
  ) {}

  get changeVersion(): number {
    return this.version;
  }

  onSourceCreated(hook: SourceCreatedHook): void {
    this.createdHooks.push(hook);
  }

  /** Creates the source, or updates name and description; the provider cannot change. */
  async put(
    key: string,
    input: SourceInput,
    hookOptions: Record<string, unknown> = {},
  ): Promise<{ source: SourceView; created: boolean }> {
    assertKey(key);
    getProvider(input.provider);
    const now = new Date().toISOString();

    const created = await this.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('sources')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirst();
      if (existing !== undefined) {
        if (existing.provider !== input.provider) {
          throw new InletError(
            'conflict',
            `Source "${key}" uses provider "${existing.provider}"; the provider of a source cannot change.`,
          );
        }
        await tx
          .updateTable('sources')
          .set({ name: input.name, description: input.description ?? null, updated_at: now })
          .where('id', '=', existing.id)
          .execute();
        await this.addMissingEnvironments(tx, existing.id, input.provider, now);
        return false;
      }

      const source: SourceRow = {
        id: newId('src'),
        key,
        name: input.name,
        description: input.description ?? null,
        provider: input.provider,
        created_at: now,
        updated_at: now,
      };
      await tx.insertInto('sources').values(source).execute();
      const environments = await this.addMissingEnvironments(tx, source.id, input.provider, now);
      for (const hook of this.createdHooks) await hook(tx, source, environments, hookOptions);
      return true;
    });

    this.version += 1;
    return { source: await this.get(key), created };
  }

  async list(): Promise<SourceView[]> {
    const sources = await this.db.selectFrom('sources').selectAll().orderBy('key').execute();
    return Promise.all(sources.map((source) => this.view(source)));
  }

  async get(key: string): Promise<SourceView> {
    return this.view(await this.findSource(key));
  }

  async delete(key: string): Promise<void> {
    const source = await this.findSource(key);
    await this.db.deleteFrom('sources').where('id', '=', source.id).execute();
    this.version += 1;
  }

  async findSource(key: string): Promise<SourceRow> {
    const source = await this.db
      .selectFrom('sources')
      .selectAll()
      .where('key', '=', key)
      .executeTakeFirst();
    if (source === undefined) throw notFound(`Source "${key}"`);
    return source;
  }

  async findEnvironment(
    key: string,
    environment: string,
  ): Promise<{ source: SourceRow; environment: SourceEnvironmentRow }> {
    const source = await this.findSource(key);
    const row = await this.db
      .selectFrom('source_environments')
      .selectAll()
      .where('source_id', '=', source.id)
      .where('environment', '=', environment)
      .executeTakeFirst();
    if (row === undefined) {
      throw new InletError(
        'unknown_environment',
        `Environment "${environment}" does not exist; environments are: ${this.options.environments.join(', ')}.`,
      );
    }
    return { source, environment: row };
  }

  /** Applies settings to one source environment; a new secret starts the rotation grace period. */
  async updateEnvironment(
    key: string,
    environment: string,
    input: EnvironmentSettingsInput,
  ): Promise<EnvironmentView> {
    const { source, environment: row } = await this.findEnvironment(key, environment);
    const now = new Date();
    const nowIso = now.toISOString();

    await this.db.transaction().execute(async (tx) => {
      const disabled = new Set<string>(JSON.parse(row.disabled_event_types) as string[]);
      for (const type of input.disabled_event_types ?? []) disabled.add(type);
      for (const type of input.enabled_event_types ?? []) disabled.delete(type);

      await tx
        .updateTable('source_environments')
        .set({
          tolerance_seconds: input.tolerance_seconds ?? row.tolerance_seconds,
          disabled_event_types: JSON.stringify([...disabled].sort()),
          updated_at: nowIso,
        })
        .where('id', '=', row.id)
        .execute();

      if (input.signing_secret !== undefined) {
        const graceSeconds = input.secret_grace_seconds ?? this.options.secretGraceSeconds;
        await this.expireCurrentSecrets(
          tx,
          row.id,
          new Date(now.getTime() + graceSeconds * 1000).toISOString(),
          nowIso,
        );
        await tx
          .insertInto('signing_secrets')
          .values({
            id: newId('sec'),
            source_environment_id: row.id,
            ciphertext: this.box.encrypt(input.signing_secret),
            hint: secretHint(input.signing_secret),
            created_at: nowIso,
            expires_at: null,
          })
          .execute();
      }
      if (input.revoke_previous_secrets) await this.revokePreviousSecrets(tx, row.id, nowIso);
    });

    this.version += 1;
    const updated = await this.get(source.key);
    return updated.environments.find((env) => env.environment === environment)!;
  }

  /** Returns the decrypted secrets still valid at `now`, newest first. */
  async activeSecrets(environmentId: string, now = new Date()): Promise<string[]> {
    const rows = await this.db
      .selectFrom('signing_secrets')
      .select(['ciphertext', 'expires_at'])
      .where('source_environment_id', '=', environmentId)
      .where((eb) =>
        eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now.toISOString())]),
      )
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((row) => this.box.decrypt(row.ciphertext));
  }

  webhookUrl(ingestId: string): string {
    return `${this.options.publicUrl}/integrations/receive/${ingestId}`;
  }

  private async addMissingEnvironments(
    tx: Tx,
    sourceId: string,
    providerKey: string,
    now: string,
  ): Promise<SourceEnvironmentRow[]> {
    const provider = getProvider(providerKey);
    const existing = await tx
      .selectFrom('source_environments')
      .select('environment')
      .where('source_id', '=', sourceId)
      .execute();
    const present = new Set(existing.map((row) => row.environment));
    const added: SourceEnvironmentRow[] = [];
    // A slug listed twice in INLET_ENVIRONMENTS must not insert a second row, which the
    // (source, environment) unique constraint would reject.
    const configured = new Set(this.options.environments);
    for (const environment of [...configured].filter((env) => !present.has(env))) {
      const row: SourceEnvironmentRow = {
        id: newId('senv'),
        source_id: sourceId,
        environment,
        ingest_id: newToken(),
        tolerance_seconds: this.options.toleranceSeconds ?? provider.defaults.toleranceSeconds,
        disabled_event_types: '[]',
        created_at: now,
        updated_at: now,
      };
      await tx.insertInto('source_environments').values(row).execute();
      added.push(row);
    }
    return added;
  }

  private async expireCurrentSecrets(
    tx: Tx,
    environmentId: string,
    expiresAt: string,
    now: string,
  ): Promise<void> {
    await tx
      .updateTable('signing_secrets')
      .set({ expires_at: expiresAt })
      .where('source_environment_id', '=', environmentId)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', expiresAt)]))
      .where('created_at', '<=', now)
      .execute();
  }

  private async revokePreviousSecrets(tx: Tx, environmentId: string, now: string): Promise<void> {
    await tx
      .updateTable('signing_secrets')
      .set({ expires_at: now })
      .where('source_environment_id', '=', environmentId)
      .where('expires_at', 'is not', null)
      .where('expires_at', '>', now)
      .execute();
  }

  private async view(source: SourceRow): Promise<SourceView> {
    const environments = await this.db
      .selectFrom('source_environments')
      .selectAll()
      .where('source_id', '=', source.id)
      .execute();
    const now = new Date().toISOString();
    const secrets = await this.db
      .selectFrom('signing_secrets')
      .select(['id', 'hint', 'created_at', 'expires_at', 'source_environment_id'])
      .where(
        'source_environment_id',
        'in',
        environments.length ? environments.map((env) => env.id) : [''],
      )
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .orderBy('created_at', 'desc')
      .execute();

    const order = this.options.environments;
    environments.sort((a, b) => order.indexOf(a.environment) - order.indexOf(b.environment));
    return {
      key: source.key,
      name: source.name,
      description: source.description,
      provider: source.provider,
      created_at: source.created_at,
      updated_at: source.updated_at,
      environments: environments.map((env) => ({
        environment: env.environment,
        webhook_url: this.webhookUrl(env.ingest_id),
        tolerance_seconds: env.tolerance_seconds,
        disabled_event_types: JSON.parse(env.disabled_event_types) as string[],
        signing_secrets: secrets
          .filter((secret) => secret.source_environment_id === env.id)
          .map(({ id, hint, created_at, expires_at }) => ({ id, hint, created_at, expires_at })),
        updated_at: env.updated_at,
      })),
    };
  }
}

function assertKey(key: string): void {
  if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(key)) {
    throw new InletError(
      'validation_failed',
      `Source key "${key}" is invalid: use 1 to 64 lower-case letters, digits, "-" or "_", starting with a letter or digit.`,
    );
  }
}
