import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createInlet } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { loadKeys } from '../../src/secrets/key-files.js';
import { createTestStorage, describeEachEngine } from '../support/engines.js';
import { ensureBuilt, runCli } from '../cli/processes.js';

const temporaryDirs: string[] = [];

function temporaryDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inlet-config-'));
  temporaryDirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of temporaryDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

function fileMode(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

describe('loadConfig', () => {
  it('applies the defaults', () => {
    const config = loadConfig({});

    expect(config.port).toBe(8080);
    expect(config.host).toBe('0.0.0.0');
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.sqlitePath).toBe(path.join(path.resolve('./data'), 'inlet.sqlite'));
    expect(config.databaseUrl).toBe('');
    expect(config.databaseKind).toBe('sqlite');
    expect(config.apiKey).toBe('');
    expect(config.publicUrl).toBe('http://localhost:8080');
    expect(config.environments).toEqual(['development', 'production']);
    expect(config.maxBodyBytes).toBe(1024 * 1024);
    expect(config.signatureToleranceSeconds).toBe(180);
    expect(config.secretGraceSeconds).toBe(86_400);
    expect(config.rejectionLogPerMinute).toBe(60);
    expect(config.workerConcurrency).toBe(8);
    expect(config.workerPollMs).toBe(500);
    expect(config.jobMaxAttempts).toBe(8);
    expect(config.retentionDays).toBe(30);
    expect(config.outboundAllowHosts).toEqual([]);
    expect(config.logLevel).toBe('info');
  });

  it('reads every variable it is given', () => {
    const config = loadConfig({
      PORT: '9090',
      HOST: '127.0.0.1',
      INLET_DATA_DIR: '/var/lib/inlet',
      DATABASE_URL: 'postgresql://inlet@127.0.0.1:5432/inlet',
      INLET_PUBLIC_URL: 'https://hooks.example.com/',
      INLET_ENVIRONMENTS: ' staging , production ',
      INLET_MAX_BODY_BYTES: '2048',
      INLET_OUTBOUND_ALLOW_HOSTS: '10.0.0.0/8, ,hooks.internal',
      INLET_LOG_LEVEL: 'debug',
    });

    expect(config.port).toBe(9090);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe('/var/lib/inlet');
    expect(config.databaseKind).toBe('postgres');
    expect(config.publicUrl).toBe('https://hooks.example.com');
    expect(config.environments).toEqual(['staging', 'production']);
    expect(config.maxBodyBytes).toBe(2048);
    expect(config.outboundAllowHosts).toEqual(['10.0.0.0/8', 'hooks.internal']);
    expect(config.logLevel).toBe('debug');
  });

  it('derives the public URL from the port', () => {
    expect(loadConfig({ PORT: '3000' }).publicUrl).toBe('http://localhost:3000');
  });

  it.each([
    ['PORT', 'http'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://inlet@localhost/inlet'],
    ['DATABASE_URL', '127.0.0.1:5432'],
    ['INLET_ENVIRONMENTS', 'Development'],
    ['INLET_ENVIRONMENTS', 'development,,production'],
    ['INLET_ENVIRONMENTS', 'development,production,development'],
    ['INLET_PUBLIC_URL', 'hooks.example.com'],
    ['INLET_MAX_BODY_BYTES', '100'],
    ['INLET_SIGNATURE_TOLERANCE_SECONDS', '0'],
    ['INLET_LOG_LEVEL', 'verbose'],
  ])('stops on %s=%j', (variable, value) => {
    const error = configError({ [variable]: value });

    expect(error.message).toContain(`${variable}=`);
    expect(error.message).toContain('is invalid');
  });

  it('names every invalid variable in one error', () => {
    const error = configError({
      PORT: 'http',
      DATABASE_URL: 'mysql://x',
      INLET_ENVIRONMENTS: 'Dev',
    });

    expect(error.message).toContain('PORT="http"');
    expect(error.message).toContain('DATABASE_URL="mysql://x"');
    expect(error.message).toContain('INLET_ENVIRONMENTS="Dev"');
  });

  it('gives the rule for DATABASE_URL', () => {
    const error = configError({ DATABASE_URL: 'mysql://x' });

    expect(error.message).toContain('must start with postgres:// or postgresql://');
  });

  it('rejects an API key shorter than 24 characters', () => {
    const error = configError({ INLET_API_KEY: 'a'.repeat(23) });

    expect(error.message).toContain('INLET_API_KEY');
    expect(error.message).toContain('at least 24 characters');
    expect(loadConfig({ INLET_API_KEY: 'a'.repeat(24) }).apiKey).toBe('a'.repeat(24));
  });

  it('keeps a rejected API key out of the message', () => {
    const error = configError({ INLET_API_KEY: 'short-but-secret-key' });

    expect(error.message).not.toContain('short-but-secret-key');
  });

  it('requires dashboard user and password together', () => {
    const error = configError({ INLET_DASHBOARD_USER: 'ops' });

    expect(error.message).toContain('INLET_DASHBOARD_USER and INLET_DASHBOARD_PASSWORD');
    const config = loadConfig({
      INLET_DASHBOARD_USER: 'ops',
      INLET_DASHBOARD_PASSWORD: 'a long password',
    });
    expect(config.dashboardUser).toBe('ops');
  });

  it('keeps a short dashboard password out of the message', () => {
    const error = configError({ INLET_DASHBOARD_USER: 'ops', INLET_DASHBOARD_PASSWORD: 'hunter2' });

    expect(error.message).toContain('at least 12 characters');
    expect(error.message).not.toContain('hunter2');
  });

  it('treats an empty number variable as invalid or default', () => {
    const config = loadConfig({ PORT: '', INLET_WORKER_CONCURRENCY: '' });

    expect(config.port).toBe(8080);
    expect(config.workerConcurrency).toBe(8);
  });
});

describe('key files', () => {
  it('generates the admin key once, readable only by the owner', () => {
    const dataDir = temporaryDir();
    const config = { dataDir, encryptionKey: '', apiKey: '' };

    const first = loadKeys(config);
    const second = loadKeys(config);

    const keyFile = path.join(dataDir, 'admin-api-key');
    expect(first.generatedApiKey).toBe(first.apiKey);
    expect(first.apiKey).toMatch(/^inlet_[0-9a-f]{48}$/);
    expect(fs.readFileSync(keyFile, 'utf8').trim()).toBe(first.apiKey);
    expect(fileMode(keyFile)).toBe(0o600);
    expect(second.apiKey).toBe(first.apiKey);
    expect(second.generatedApiKey).toBeUndefined();
  });

  it('generates the encryption key once, readable only by the owner', () => {
    const dataDir = temporaryDir();
    const config = { dataDir, encryptionKey: '', apiKey: '' };

    const first = loadKeys(config);
    const second = loadKeys(config);

    expect(first.encryptionKey).toHaveLength(32);
    expect(second.encryptionKey.equals(first.encryptionKey)).toBe(true);
    expect(fileMode(path.join(dataDir, 'encryption.key'))).toBe(0o600);
  });

  it('uses INLET_API_KEY without writing a key file', () => {
    const dataDir = temporaryDir();
    const apiKey = 'inlet_configured_key_0123456789';

    const keys = loadKeys({ dataDir, encryptionKey: '', apiKey });

    expect(keys.apiKey).toBe(apiKey);
    expect(keys.generatedApiKey).toBeUndefined();
    expect(fs.existsSync(path.join(dataDir, 'admin-api-key'))).toBe(false);
  });

  it.each([
    ['64 hex characters', 'ab'.repeat(32)],
    ['base64', Buffer.alloc(32, 7).toString('base64')],
  ])('accepts an encryption key as %s', (_name, encryptionKey) => {
    const keys = loadKeys({ dataDir: temporaryDir(), encryptionKey, apiKey: '' });

    expect(keys.encryptionKey).toHaveLength(32);
  });

  it('rejects an encryption key of the wrong length', () => {
    expect(() =>
      loadKeys({ dataDir: temporaryDir(), encryptionKey: 'ab'.repeat(16), apiKey: '' }),
    ).toThrow('INLET_ENCRYPTION_KEY must be 32 bytes');
  });
});

describeEachEngine('admin key across starts', (engine) => {
  it('keeps the generated key on the second start', async () => {
    const storage = await createTestStorage(engine, { INLET_API_KEY: '' });
    try {
      const first = await createInlet(storage.config);
      await first.close();
      const second = await createInlet(storage.config);
      await second.close();

      expect(first.generatedApiKey).toBe(first.apiKey);
      expect(second.generatedApiKey).toBeUndefined();
      expect(second.apiKey).toBe(first.apiKey);
    } finally {
      await storage.cleanup();
    }
  });
});

describe('inlet start with a bad setting', () => {
  beforeAll(async () => {
    await ensureBuilt();
  }, 120_000);

  it.each([
    ['PORT', 'eighty'],
    ['DATABASE_URL', 'mysql://inlet@localhost/inlet'],
    ['INLET_ENVIRONMENTS', 'Production'],
  ])('exits with a message naming %s', async (variable, value) => {
    const dataDir = temporaryDir();

    const result = await runCli(['start'], {
      env: { INLET_DATA_DIR: dataDir, HOST: '127.0.0.1', [variable]: value },
    });

    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${variable}=${JSON.stringify(value)} is invalid`);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
