import { createHmac, timingSafeEqual } from 'node:crypto';
import type { VerificationRequest, VerificationResult } from '../provider.js';

export const WORKOS_SIGNATURE_HEADER = 'workos-signature';

interface ParsedHeader {
  timestampMs: number;
  /** The t value as sent; the signature covers this text, not a re-formatted number. */
  timestampText: string;
  signatures: Buffer[];
}

/**
 * Verifies a WorkOS delivery: header `WorkOS-Signature: t=<unix ms>, v1=<hex>`, where v1 is the
 * lower-case hex HMAC-SHA256 of `<t>.<raw body>` keyed by the secret string (workos-node
 * SignatureProvider). Accepts any spacing, several v1 values and several secrets, and rejects
 * timestamps too far in the past or the future.
 */
export function verifyWorkosSignature(request: VerificationRequest): VerificationResult {
  if (request.secrets.length === 0) {
    return {
      ok: false,
      reason: 'no_signing_secret',
      detail: 'No signing secret is configured for this environment.',
    };
  }
  const header = readHeader(request.headers[WORKOS_SIGNATURE_HEADER]);
  if (header === undefined || header.trim() === '') {
    return {
      ok: false,
      reason: 'signature_missing',
      detail: 'The WorkOS-Signature header is missing.',
    };
  }
  const parsed = parseSignatureHeader(header);
  if (typeof parsed === 'string') {
    return { ok: false, reason: 'signature_malformed', detail: parsed };
  }

  const skewMs = Math.abs(request.nowMs - parsed.timestampMs);
  if (skewMs > request.toleranceSeconds * 1000) {
    const direction = parsed.timestampMs > request.nowMs ? 'ahead of' : 'behind';
    return {
      ok: false,
      reason: 'timestamp_outside_tolerance',
      detail: `The signature timestamp is ${Math.round(skewMs / 1000)} s ${direction} the server clock; the tolerance is ${request.toleranceSeconds} s.`,
    };
  }

  const signedPayload = Buffer.concat([Buffer.from(`${parsed.timestampText}.`), request.rawBody]);
  for (const [index, secret] of request.secrets.entries()) {
    const expected = computeWorkosSignature(signedPayload, secret);
    if (parsed.signatures.some((candidate) => constantTimeEqual(candidate, expected))) {
      return { ok: true, secretIndex: index };
    }
  }
  return {
    ok: false,
    reason: 'signature_mismatch',
    detail: 'No v1 signature matches the body with any active signing secret.',
  };
}

export function computeWorkosSignature(signedPayload: Buffer, secret: string): Buffer {
  return createHmac('sha256', secret).update(signedPayload).digest();
}

/** Builds a header value the way WorkOS sends it, for test deliveries. */
export function signWorkosBody(rawBody: Buffer, secret: string, nowMs: number): string {
  const payload = Buffer.concat([Buffer.from(`${nowMs}.`), rawBody]);
  return `t=${nowMs}, v1=${computeWorkosSignature(payload, secret).toString('hex')}`;
}

/** Parses `t=…, v1=…[, v1=…]`; returns a message describing the defect when malformed. */
export function parseSignatureHeader(header: string): ParsedHeader | string {
  let timestamp: string | undefined;
  const signatures: Buffer[] = [];

  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator === -1) continue;
    const name = part.slice(0, separator).trim().toLowerCase();
    const value = part.slice(separator + 1).trim();
    if (name === 't') {
      if (timestamp !== undefined) return 'The WorkOS-Signature header has more than one t value.';
      timestamp = value;
    } else if (name === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) {
      signatures.push(Buffer.from(value, 'hex'));
    }
  }

  if (timestamp === undefined) return 'The WorkOS-Signature header has no t value.';
  if (!/^\d{1,16}$/.test(timestamp)) {
    return 'The t value of the WorkOS-Signature header must be a Unix time in milliseconds.';
  }
  if (signatures.length === 0) {
    return 'The WorkOS-Signature header has no v1 value of 64 hex characters.';
  }
  return { timestampMs: Number(timestamp), timestampText: timestamp, signatures };
}

function readHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}

// timingSafeEqual throws on a length mismatch. Every candidate was checked to be 32 bytes when
// parsed, and the length guard keeps the comparison safe if parsing ever changes.
function constantTimeEqual(candidate: Buffer, expected: Buffer): boolean {
  return candidate.length === expected.length && timingSafeEqual(candidate, expected);
}
