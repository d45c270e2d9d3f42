import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { VerificationResult } from '../../src/providers/provider.js';
import {
  parseSignatureHeader,
  signWorkosBody,
  verifyWorkosSignature,
} from '../../src/providers/workos/signature.js';
import {
  fixtureBytes,
  fixtureEventTypes,
  sdkSignatureHeader,
  sdkVerifies,
} from '../support/workos.js';

const SECRET = 'whsec_0FWAiVGkEfGBqqsJH4aNAGBJ4';
const OTHER_SECRET = 'whsec_other_Lq2mN8pR4tV6xZ0bD3fH';
// A fixed server clock keeps every tolerance check independent of when the test runs.
const NOW_MS = 1_741_701_327_364;
const TOLERANCE_SECONDS = 180;
const BODY = fixtureBytes('dsync.user.created');

function verify(
  header: string | string[] | undefined,
  options: { body?: Buffer; secrets?: string[]; nowMs?: number } = {},
): VerificationResult {
  return verifyWorkosSignature({
    rawBody: options.body ?? BODY,
    headers: header === undefined ? {} : { 'workos-signature': header },
    secrets: options.secrets ?? [SECRET],
    toleranceSeconds: TOLERANCE_SECONDS,
    nowMs: options.nowMs ?? NOW_MS,
  });
}

function hexSignature(timestamp: string | number, body: Buffer, secret = SECRET): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

function expectRejected(result: VerificationResult, reason: string): void {
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.reason).toBe(reason);
}

describe('verifyWorkosSignature with SDK signatures', () => {
  it.each(fixtureEventTypes())('accepts the SDK signature of %s', async (eventType) => {
    const body = fixtureBytes(eventType);
    const header = await sdkSignatureHeader(body, SECRET, NOW_MS);

    expect(verify(header, { body })).toEqual({ ok: true, secretIndex: 0 });
  });

  it.each(fixtureEventTypes())('signs %s so that the SDK accepts it', async (eventType) => {
    const body = fixtureBytes(eventType);
    const header = signWorkosBody(body, SECRET, Date.now());

    expect(await sdkVerifies(body, header, SECRET)).toBe(true);
  });

  it('produces the same header as the SDK', async () => {
    expect(signWorkosBody(BODY, SECRET, NOW_MS)).toBe(
      await sdkSignatureHeader(BODY, SECRET, NOW_MS),
    );
  });
});

describe('verifyWorkosSignature header parsing', () => {
  const signature = hexSignature(NOW_MS, BODY);

  it.each([
    ['one comma and one space', `t=${NOW_MS}, v1=${signature}`],
    ['no space', `t=${NOW_MS},v1=${signature}`],
    ['extra spaces', `  t = ${NOW_MS} ,   v1 =  ${signature}  `],
    ['tab after the comma', `t=${NOW_MS},\tv1=${signature}`],
    ['v1 before t', `v1=${signature}, t=${NOW_MS}`],
    ['upper-case parameter names', `T=${NOW_MS}, V1=${signature}`],
    ['an unknown scheme next to v1', `t=${NOW_MS}, v0=abc, v1=${signature}`],
  ])('accepts %s', (_name, header) => {
    expect(verify(header)).toEqual({ ok: true, secretIndex: 0 });
  });

  it('accepts several v1 values when the last one matches', () => {
    const wrong = hexSignature(NOW_MS, BODY, OTHER_SECRET);

    expect(verify(`t=${NOW_MS}, v1=${wrong}, v1=${signature}`).ok).toBe(true);
  });

  it('accepts several v1 values when the first one matches', () => {
    const wrong = hexSignature(NOW_MS, BODY, OTHER_SECRET);

    expect(verify(`t=${NOW_MS}, v1=${signature}, v1=${wrong}`).ok).toBe(true);
  });

  it('accepts a header that arrived as two header lines', () => {
    expect(verify([`t=${NOW_MS}`, `v1=${signature}`]).ok).toBe(true);
  });

  it('accepts the second of several secrets', () => {
    const result = verify(`t=${NOW_MS}, v1=${signature}`, { secrets: [OTHER_SECRET, SECRET] });

    expect(result).toEqual({ ok: true, secretIndex: 1 });
  });

  it('signs over the t value exactly as sent', () => {
    const padded = `000${NOW_MS}`;
    const overPadded = hexSignature(padded, BODY);
    const overNumber = hexSignature(NOW_MS, BODY);

    expect(verify(`t=${padded}, v1=${overPadded}`).ok).toBe(true);
    expectRejected(verify(`t=${padded}, v1=${overNumber}`), 'signature_mismatch');
  });

  it('agrees with the SDK on a padded t value', async () => {
    const padded = `000${Date.now()}`;
    const header = `t=${padded}, v1=${hexSignature(padded, BODY)}`;

    expect(await sdkVerifies(BODY, header, SECRET)).toBe(true);
  });

  it('parses t and every well-formed v1', () => {
    const parsed = parseSignatureHeader(`t=${NOW_MS}, v1=${signature}, v1=${'ab'.repeat(32)}`);

    expect(typeof parsed).toBe('object');
    if (typeof parsed === 'object') {
      expect(parsed.timestampMs).toBe(NOW_MS);
      expect(parsed.signatures).toHaveLength(2);
    }
  });
});

describe('verifyWorkosSignature rejections', () => {
  const signature = hexSignature(NOW_MS, BODY);
  const header = `t=${NOW_MS}, v1=${signature}`;

  it('rejects a wrong secret', () => {
    expectRejected(verify(header, { secrets: [OTHER_SECRET] }), 'signature_mismatch');
  });

  it('rejects a body with one byte changed', () => {
    const tampered = Buffer.from(BODY);
    const index = tampered.indexOf('Ifeoma');
    tampered[index] = 'J'.charCodeAt(0);

    expect(tampered.equals(BODY)).toBe(false);
    expectRejected(verify(header, { body: tampered }), 'signature_mismatch');
  });

  it('rejects a re-serialized body with the original signature', () => {
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(BODY.toString('utf8'))));

    expectRejected(verify(header, { body: reserialized }), 'signature_mismatch');
  });

  it('rejects a signature over another timestamp', () => {
    const other = hexSignature(NOW_MS - 1, BODY);

    expectRejected(verify(`t=${NOW_MS}, v1=${other}`), 'signature_mismatch');
  });

  it('rejects a timestamp in seconds', () => {
    const seconds = Math.floor(NOW_MS / 1000);
    const result = verify(`t=${seconds}, v1=${hexSignature(seconds, BODY)}`);

    expectRejected(result, 'timestamp_outside_tolerance');
  });

  it.each([
    ['4 minutes in the past', -240_000],
    ['4 minutes in the future', 240_000],
    ['1 ms past the tolerance, behind', -180_001],
    ['1 ms past the tolerance, ahead', 180_001],
  ])('rejects a timestamp %s', (_name, offsetMs) => {
    const timestamp = NOW_MS + offsetMs;
    const result = verify(`t=${timestamp}, v1=${hexSignature(timestamp, BODY)}`);

    expectRejected(result, 'timestamp_outside_tolerance');
  });

  it.each([
    ['exactly the tolerance behind', -180_000],
    ['exactly the tolerance ahead', 180_000],
  ])('accepts a timestamp %s', (_name, offsetMs) => {
    const timestamp = NOW_MS + offsetMs;

    expect(verify(`t=${timestamp}, v1=${hexSignature(timestamp, BODY)}`).ok).toBe(true);
  });

  it('names the direction and the tolerance in the detail', () => {
    const timestamp = NOW_MS + 240_000;
    const result = verify(`t=${timestamp}, v1=${hexSignature(timestamp, BODY)}`);

    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.detail).toBe(
        'The signature timestamp is 240 s ahead of the server clock; the tolerance is 180 s.',
      );
  });

  it.each([
    ['no header', undefined, 'signature_missing'],
    ['an empty header', '', 'signature_missing'],
    ['a header of spaces', '   ', 'signature_missing'],
    ['a non-numeric t', `t=abc, v1=${signature}`, 'signature_malformed'],
    ['a negative t', `t=-${NOW_MS}, v1=${signature}`, 'signature_malformed'],
    ['a fractional t', `t=${NOW_MS}.5, v1=${signature}`, 'signature_malformed'],
    ['an empty t', `t=, v1=${signature}`, 'signature_malformed'],
    ['no t', `v1=${signature}`, 'signature_malformed'],
    ['two t values', `t=${NOW_MS}, t=${NOW_MS}, v1=${signature}`, 'signature_malformed'],
    ['no v1', `t=${NOW_MS}`, 'signature_malformed'],
    ['an empty v1', `t=${NOW_MS}, v1=`, 'signature_malformed'],
    ['a v1 of 62 hex characters', `t=${NOW_MS}, v1=${signature.slice(2)}`, 'signature_malformed'],
    ['a v1 of 66 hex characters', `t=${NOW_MS}, v1=${signature}00`, 'signature_malformed'],
    [
      'a v1 with non-hex characters',
      `t=${NOW_MS}, v1=${'zz' + signature.slice(2)}`,
      'signature_malformed',
    ],
    [
      'a base64 v1',
      `t=${NOW_MS}, v1=${Buffer.from(signature, 'hex').toString('base64')}`,
      'signature_malformed',
    ],
    ['no key-value pairs', 'garbage', 'signature_malformed'],
  ])('rejects %s', (_name, value, reason) => {
    expectRejected(verify(value), reason);
  });

  it('rejects every delivery when no secret is configured', () => {
    expectRejected(verify(header, { secrets: [] }), 'no_signing_secret');
  });

  it('never throws on v1 values of the wrong length', () => {
    const lengths = [0, 1, 2, 31, 32, 62, 63, 65, 66, 128, 1000];

    for (const length of lengths) {
      const candidate = 'a'.repeat(length);
      const value = `t=${NOW_MS}, v1=${candidate}, v1=${hexSignature(NOW_MS, BODY, OTHER_SECRET)}`;
      expect(() => verify(value)).not.toThrow();
      expectRejected(verify(value), 'signature_mismatch');
    }
  });
});
