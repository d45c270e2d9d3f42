import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Config } from '../config.js';

const ENCRYPTION_KEY_FILE = 'encryption.key';
const API_KEY_FILE = 'admin-api-key';

export interface Keys {
  encryptionKey: Buffer;
  apiKey: string;
  /** Set only on the start that generated the admin key, so it can be printed once. */
  generatedApiKey?: string;
}

/**
 * Loads the encryption key and admin API key from the configuration, or from the data folder,
 * generating each file (mode 0600) on first start when neither source has one.
 */
export function loadKeys(config: Pick<Config, 'dataDir' | 'encryptionKey' | 'apiKey'>): Keys {
  fs.mkdirSync(config.dataDir, { recursive: true });
  const encryptionKey = config.encryptionKey
    ? parseEncryptionKey(config.encryptionKey)
    : Buffer.from(
        readOrCreate(config.dataDir, ENCRYPTION_KEY_FILE, () => randomHex(32)).value,
        'hex',
      );

  if (config.apiKey) {
    return { encryptionKey, apiKey: config.apiKey };
  }
  const apiKey = readOrCreate(config.dataDir, API_KEY_FILE, () => `inlet_${randomHex(24)}`);
  return apiKey.created
    ? { encryptionKey, apiKey: apiKey.value, generatedApiKey: apiKey.value }
    : { encryptionKey, apiKey: apiKey.value };
}

/** Reads the admin key the server stored in the data folder, for the CLI. */
export function readStoredApiKey(dataDir: string): string | undefined {
  try {
    return fs.readFileSync(path.join(dataDir, API_KEY_FILE), 'utf8').trim();
  } catch {
    return undefined;
  }
}

export function parseEncryptionKey(value: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(value)
    ? Buffer.from(value, 'hex')
    : Buffer.from(value, 'base64');
  if (key.length !== 32) {
    throw new Error('INLET_ENCRYPTION_KEY must be 32 bytes, as 64 hex characters or base64');
  }
  return key;
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function readOrCreate(
  dir: string,
  name: string,
  generate: () => string,
): { value: string; created: boolean } {
  const file = path.join(dir, name);
  const value = generate();
  try {
    // 'wx' fails when the file exists, so two processes starting at once keep one key.
    fs.writeFileSync(file, `${value}\n`, { mode: 0o600, flag: 'wx' });
    return { value, created: true };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return { value: fs.readFileSync(file, 'utf8').trim(), created: false };
  }
}
