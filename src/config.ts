import path from 'node:path';
import { z } from 'zod';

/**
 * Every setting Inlet reads, with its environment variable, default and unit. The table is the
 * single source for start-up validation, `inlet start --help` and the README's settings list.
 */
export const SETTINGS = {
  port: {
    env: 'PORT',
    default: '8080',
    unit: 'TCP port',
    description: 'Port the HTTP server listens on.',
    schema: z.coerce.number().int().min(0).max(65535),
  },
  host: {
    env: 'HOST',
    default: '0.0.0.0',
    unit: 'address',
    description: 'Address the HTTP server binds to.',
    schema: z.string().min(1),
  },
  dataDir: {
    env: 'INLET_DATA_DIR',
    default: './data',
    unit: 'path',
    description: 'Folder for the SQLite database, the generated admin key and the encryption key.',
    schema: z.string().min(1),
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    default: '',
    unit: 'postgres:// URL',
    description: 'PostgreSQL connection URL. Empty means the embedded SQLite database.',
    schema: z.string().refine((value) => value === '' || /^postgres(ql)?:\/\//.test(value), {
      message: 'must start with postgres:// or postgresql://',
    }),
  },
  apiKey: {
    env: 'INLET_API_KEY',
    secret: true,
    default: '',
    unit: 'string, at least 24 characters',
    description: 'Admin key for the management API. Empty means generate one on first start.',
    schema: z.string().refine((value) => value === '' || value.length >= 24, {
      message: 'must be at least 24 characters long',
    }),
  },
  dashboardUser: {
    env: 'INLET_DASHBOARD_USER',
    default: '',
    unit: 'string',
    description:
      'User name for signing in to the dashboard with a password. Empty means sign-in with the admin key only.',
    schema: z.string().max(200),
  },
  dashboardPassword: {
    env: 'INLET_DASHBOARD_PASSWORD',
    secret: true,
    default: '',
    unit: 'string, at least 12 characters',
    description: 'Password of INLET_DASHBOARD_USER; set both or neither.',
    schema: z.string().refine((value) => value === '' || value.length >= 12, {
      message: 'must be at least 12 characters long',
    }),
  },
  trustProxy: {
    env: 'INLET_TRUST_PROXY',
    default: '',
    unit: 'empty, true, a hop count, or comma-separated addresses and CIDR ranges',
    description:
      'Reverse proxies whose X-Forwarded-For is believed, so that sign-in limits apply per client rather than per proxy. Empty trusts none.',
    schema: z.string().transform((value): boolean | number | string[] => {
      const trimmed = value.trim();
      if (trimmed === '' || trimmed === 'false') return false;
      if (trimmed === 'true') return true;
      if (/^\d+$/.test(trimmed)) return Number(trimmed);
      return trimmed
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== '');
    }),
  },
  sessionHours: {
    env: 'INLET_SESSION_HOURS',
    default: '12',
    unit: 'hours',
    description: 'How long a dashboard sign-in lasts.',
    schema: z.coerce
      .number()
      .int()
      .min(1)
      .max(30 * 24),
  },
  publicUrl: {
    env: 'INLET_PUBLIC_URL',
    default: '',
    unit: 'URL',
    description: 'Base of the webhook URLs shown to users. Empty means http://localhost:<PORT>.',
    schema: z.string().refine((value) => value === '' || /^https?:\/\/[^\s]+$/.test(value), {
      message: 'must be an http:// or https:// URL',
    }),
  },
  encryptionKey: {
    env: 'INLET_ENCRYPTION_KEY',
    secret: true,
    default: '',
    unit: '32 bytes as 64 hex characters or base64',
    description:
      'Key that encrypts secrets at rest. Empty means a key generated in the data folder.',
    schema: z.string().refine((value) => value === '' || isEncryptionKey(value), {
      message: 'must be 32 bytes, written as 64 hex characters or as base64',
    }),
  },
  environments: {
    env: 'INLET_ENVIRONMENTS',
    default: 'development,production',
    unit: 'comma-separated slugs',
    description: 'Environments every source has.',
    schema: z
      .string()
      .transform((value) => value.split(',').map((slug) => slug.trim()))
      .pipe(
        z
          .array(
            z.string().regex(/^[a-z][a-z0-9_-]{0,62}$/, 'each slug must match [a-z][a-z0-9_-]*'),
          )
          .min(1)
          .refine(
            (slugs) => new Set(slugs).size === slugs.length,
            'each slug may appear only once',
          ),
      ),
  },
  maxBodyBytes: {
    env: 'INLET_MAX_BODY_BYTES',
    default: String(1024 * 1024),
    unit: 'bytes',
    description: 'Largest webhook body accepted; larger deliveries get 413.',
    schema: z.coerce
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024),
  },
  signatureToleranceSeconds: {
    env: 'INLET_SIGNATURE_TOLERANCE_SECONDS',
    default: '180',
    unit: 'seconds',
    description: 'Default allowed clock difference for signature timestamps, in both directions.',
    schema: z.coerce.number().int().min(1).max(86400),
  },
  secretGraceSeconds: {
    env: 'INLET_SECRET_GRACE_SECONDS',
    default: '86400',
    unit: 'seconds',
    description: 'How long a replaced signing secret stays valid after rotation.',
    schema: z.coerce
      .number()
      .int()
      .min(0)
      .max(30 * 86400),
  },
  rejectionLogPerMinute: {
    env: 'INLET_REJECTION_LOG_PER_MINUTE',
    default: '60',
    unit: 'records per minute per source environment',
    description: 'Rejected deliveries recorded in the log; the rest are only counted.',
    schema: z.coerce.number().int().min(0).max(100000),
  },
  workerConcurrency: {
    env: 'INLET_WORKER_CONCURRENCY',
    default: '8',
    unit: 'jobs',
    description: 'Jobs one process runs at once. 0 disables the worker in this process.',
    schema: z.coerce.number().int().min(0).max(256),
  },
  workerPollMs: {
    env: 'INLET_WORKER_POLL_MS',
    default: '500',
    unit: 'milliseconds',
    description: 'How often an idle worker looks for due jobs.',
    schema: z.coerce.number().int().min(10).max(60000),
  },
  jobMaxAttempts: {
    env: 'INLET_JOB_MAX_ATTEMPTS',
    default: '8',
    unit: 'attempts',
    description: 'Attempts before a failing job is marked failed.',
    schema: z.coerce.number().int().min(1).max(100),
  },
  jobBackoffBaseMs: {
    env: 'INLET_JOB_BACKOFF_BASE_MS',
    default: '1000',
    unit: 'milliseconds',
    description: 'First retry delay of a failed job; each later retry waits about twice as long.',
    schema: z.coerce.number().int().min(1).max(3_600_000),
  },
  jobBackoffMaxMs: {
    env: 'INLET_JOB_BACKOFF_MAX_MS',
    default: '3600000',
    unit: 'milliseconds',
    description: 'Maximum delay between two attempts of a failed job.',
    schema: z.coerce.number().int().min(1).max(86_400_000),
  },
  retentionDays: {
    env: 'INLET_RETENTION_DAYS',
    default: '30',
    unit: 'days',
    description:
      'How long events, their deduplication ledger, action logs, messages and finished workflow runs are kept.',
    schema: z.coerce.number().int().min(1).max(3650),
  },
  outboundAllowHosts: {
    env: 'INLET_OUTBOUND_ALLOW_HOSTS',
    default: '',
    unit: 'comma-separated hosts or CIDR ranges',
    description:
      'Private, loopback or link-local destinations that chat and webhook steps may call.',
    schema: z.string().transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    ),
  },
  logLevel: {
    env: 'INLET_LOG_LEVEL',
    default: 'info',
    unit: 'pino level',
    description: 'Lowest log level written.',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  },
} as const;

type Settings = typeof SETTINGS;
export type Config = { [K in keyof Settings]: z.output<Settings[K]['schema']> } & {
  databaseKind: 'sqlite' | 'postgres';
  sqlitePath: string;
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Reads and validates every setting from `env`. Throws ConfigError naming each invalid variable,
 * so the process stops before it opens a port or a database.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];

  for (const [name, setting] of Object.entries(SETTINGS)) {
    // An empty variable counts as unset, as `PORT=` in a shell or an env file usually means.
    const given = env[setting.env];
    const raw = given === undefined || given === '' ? setting.default : given;
    const parsed = (setting.schema as z.ZodTypeAny).safeParse(raw);
    if (parsed.success) {
      values[name] = parsed.data;
    } else {
      const reason = parsed.error.issues.map((issue) => issue.message).join('; ');
      const shown = 'secret' in setting ? '(value hidden)' : JSON.stringify(raw);
      problems.push(`${setting.env}=${shown} is invalid: ${reason} (${setting.unit})`);
    }
  }
  if ((values.dashboardUser === '') !== (values.dashboardPassword === '')) {
    problems.push('INLET_DASHBOARD_USER and INLET_DASHBOARD_PASSWORD must be set together');
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }

  const config = values as Omit<Config, 'databaseKind' | 'sqlitePath'>;
  const dataDir = path.resolve(config.dataDir);
  return {
    ...config,
    dataDir,
    publicUrl: (config.publicUrl || `http://localhost:${config.port}`).replace(/\/+$/, ''),
    databaseKind: config.databaseUrl ? 'postgres' : 'sqlite',
    sqlitePath: path.join(dataDir, 'inlet.sqlite'),
  };
}

function isEncryptionKey(value: string): boolean {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return true;
  return /^[A-Za-z0-9+/_-]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32;
}
