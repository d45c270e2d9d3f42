import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WorkOS } from '@workos-inc/node';

const FIXTURES_DIR = fileURLToPath(new URL('../../fixtures/workos/', import.meta.url));

// The official SDK signs test deliveries, as an independent check of our verifier. Signing
// never calls the network, so a placeholder API key is enough.
const workos = new WorkOS('sk_test_placeholder');

/** Reads a fixture's bytes exactly as stored (pretty-printed JSON). */
export function fixtureBytes(eventType: string): Buffer {
  return fs.readFileSync(path.join(FIXTURES_DIR, `${eventType}.json`));
}

export function fixtureEventTypes(): string[] {
  return fs
    .readdirSync(FIXTURES_DIR)
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length));
}

/** Returns a WorkOS-Signature header for `rawBody`, computed by the WorkOS SDK. */
export async function sdkSignatureHeader(
  rawBody: Buffer | string,
  secret: string,
  timestampMs = Date.now(),
): Promise<string> {
  const payload = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const signature = await workos.webhooks.computeSignature(timestampMs, payload, secret);
  return `t=${timestampMs}, v1=${signature}`;
}

/** Verifies with the SDK, for tests that check our signer against it. */
export async function sdkVerifies(
  rawBody: Buffer,
  header: string,
  secret: string,
): Promise<boolean> {
  return workos.webhooks.verifyHeader({
    payload: rawBody.toString('utf8'),
    sigHeader: header,
    secret,
  });
}
