import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { Db, Tx } from '../db/database.js';
import { InletError, notFound } from '../errors.js';
import { SecretBox, secretHint } from '../secrets/secret-box.js';
import { CHANNEL_TYPES, KEY_PATTERN, type ChannelType } from './definition.js';
import type { ChannelsTable } from './tables.js';

const httpUrl = z
  .string()
  .max(2000)
  .refine(
    (value) => /^https?:\/\/[^\s]+$/i.test(value) && URL.canParse(value),
    'must be an http:// or https:// URL',
  );

const SETTINGS_SCHEMAS = {
  email: z
    .object({
      host: z.string().min(1).max(255),
      port: z.number().int().min(1).max(65535),
      secure: z.boolean().default(false),
      require_tls: z.boolean().default(false),
      username: z.string().min(1).max(500).optional(),
      password: z.string().min(1).max(500).optional(),
      from: z.string().min(3).max(500),
      reply_to: z.string().min(3).max(500).optional(),
      tls_reject_unauthorized: z.boolean().optional(),
    })
    .strict(),
  chat: z.object({ url: httpUrl }).strict(),
  webhook: z
    .object({
      url: httpUrl,
      signing_secret: z.string().min(16).max(500),
      headers: z.record(z.string().max(2000)).optional(),
    })
    .strict(),
  in_app_feed: z.object({}).strict(),
} satisfies Record<ChannelType, z.ZodTypeAny>;

/**
 * Settings that are write-only and encrypted at rest. A chat URL is secret because Slack and
 * compatible services put the credential in the incoming-webhook URL.
 */
const SECRET_FIELDS: Record<ChannelType, readonly string[]> = {
  email: ['password'],
  chat: ['url'],
  webhook: ['signing_secret'],
  in_app_feed: [],
};

export type ChannelSettings = Record<string, unknown>;

export interface ChannelInput {
  type: ChannelType;
  settings?: ChannelSettings;
}

export interface ChannelView {
  key: string;
  environment: string;
  type: ChannelType;
  /** Settings without the secret ones. */
  settings: ChannelSettings;
  /** A hint of each secret setting that is set, such as `{"password": "…abcd"}`. */
  secret_hints: Record<string, string>;
  created_at: string;
  updated_at: string;
}

/** A channel with its secrets decrypted, for delivery only. */
export interface ResolvedChannel {
  key: string;
  type: ChannelType;
  settings: ChannelSettings;
}

/**
 * Channel configurations per environment: SMTP servers, chat incoming webhooks and webhook
 * endpoints. Secret settings are encrypted with the SecretBox and never returned by the API.
 */
export class ChannelStore {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
    private readonly clock: () => Date,
  ) {}

  /**
   * Creates or replaces a channel. Secret settings left out of `input.settings` keep their stored
   * value when the type is unchanged, so other settings can change without resending secrets.
   */
  async put(
    environment: string,
    key: string,
    input: ChannelInput,
  ): Promise<{ channel: ChannelView; created: boolean }> {
    assertChannelKey(key);
    const now = this.clock().toISOString();

    return this.db.transaction().execute(async (tx) => {
      const existing = await this.findRow(tx, environment, key);
      const kept = existing?.type === input.type ? this.decryptSecrets(existing) : {};
      const settings = validateSettings(key, input.type, { ...kept, ...(input.settings ?? {}) });
      const { plain, secrets } = splitSecrets(input.type, settings);

      const row: Selectable<ChannelsTable> = {
        environment,
        key,
        type: input.type,
        settings: JSON.stringify(plain),
        secrets:
          Object.keys(secrets).length === 0 ? null : this.box.encrypt(JSON.stringify(secrets)),
        secret_hints: JSON.stringify(hintsOf(secrets)),
        created_at: existing?.created_at ?? now,
        updated_at: now,
      };
      if (existing === undefined) await tx.insertInto('channels').values(row).execute();
      else
        await tx
          .updateTable('channels')
          .set(row)
          .where('environment', '=', environment)
          .where('key', '=', key)
          .execute();
      return { channel: toView(row), created: existing === undefined };
    });
  }

  async get(environment: string, key: string): Promise<ChannelView> {
    const row = await this.findRow(this.db, environment, key);
    if (row === undefined) throw channelNotFound(environment, key);
    return toView(row);
  }

  async list(environment: string): Promise<ChannelView[]> {
    const rows = await this.db
      .selectFrom('channels')
      .selectAll()
      .where('environment', '=', environment)
      .orderBy('key')
      .execute();
    return rows.map(toView);
  }

  async delete(environment: string, key: string): Promise<void> {
    const result = await this.db
      .deleteFrom('channels')
      .where('environment', '=', environment)
      .where('key', '=', key)
      .executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) throw channelNotFound(environment, key);
  }

  /** Returns the channel with decrypted secrets, or undefined when it is not configured. */
  async resolve(
    exec: Db | Tx,
    environment: string,
    key: string,
  ): Promise<ResolvedChannel | undefined> {
    const row = await this.findRow(exec, environment, key);
    if (row === undefined) return undefined;
    const settings = {
      ...(JSON.parse(row.settings) as ChannelSettings),
      ...this.decryptSecrets(row),
    };
    return { key: row.key, type: row.type as ChannelType, settings };
  }

  private findRow(exec: Db | Tx, environment: string, key: string) {
    return exec
      .selectFrom('channels')
      .selectAll()
      .where('environment', '=', environment)
      .where('key', '=', key)
      .executeTakeFirst();
  }

  private decryptSecrets(row: Selectable<ChannelsTable>): ChannelSettings {
    return row.secrets === null
      ? {}
      : (JSON.parse(this.box.decrypt(row.secrets)) as ChannelSettings);
  }
}

function validateSettings(
  key: string,
  type: ChannelType,
  settings: ChannelSettings,
): ChannelSettings {
  const parsed = SETTINGS_SCHEMAS[type].safeParse(settings);
  if (parsed.success) return parsed.data as ChannelSettings;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.length === 0 ? 'settings' : `settings.${issue.path.join('.')}`;
    return `${field}: ${issue.message}`;
  });
  throw new InletError(
    'validation_failed',
    `Channel "${key}" (${type}) is invalid: ${problems.join('; ')}`,
  );
}

function splitSecrets(
  type: ChannelType,
  settings: ChannelSettings,
): { plain: ChannelSettings; secrets: Record<string, string> } {
  const plain: ChannelSettings = {};
  const secrets: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (SECRET_FIELDS[type].includes(name) && typeof value === 'string') secrets[name] = value;
    else if (value !== undefined) plain[name] = value;
  }
  return { plain, secrets };
}

function hintsOf(secrets: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secrets).map(([name, value]) => [name, secretHint(value)]),
  );
}

function toView(row: Selectable<ChannelsTable>): ChannelView {
  return {
    key: row.key,
    environment: row.environment,
    type: row.type as ChannelType,
    settings: JSON.parse(row.settings) as ChannelSettings,
    secret_hints: JSON.parse(row.secret_hints) as Record<string, string>,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

function assertChannelKey(key: string): void {
  if (!KEY_PATTERN.test(key)) {
    throw new InletError(
      'validation_failed',
      `Channel key "${key}" is invalid: use 1 to 64 lower-case letters, digits, "-" or "_", starting with a letter or digit.`,
    );
  }
}

function channelNotFound(environment: string, key: string): InletError {
  return notFound(`Channel "${key}" in environment "${environment}"`);
}

export function isChannelType(value: string): value is ChannelType {
  return (CHANNEL_TYPES as readonly string[]).includes(value);
}
