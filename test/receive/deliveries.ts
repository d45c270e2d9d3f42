import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fixtureBytes, sdkSignatureHeader } from '../support/workos.js';

/** A webhook request as it goes on the wire: body bytes and headers. */
export interface Delivery {
  body: Buffer;
  headers: Record<string, string>;
}

export interface DeliveryOptions {
  /** Body bytes; defaults to the dsync.user.created fixture with a unique event id. */
  body?: Buffer | string;
  /** Secret the WorkOS SDK signs with. */
  secret: string;
  /** Signature timestamp in Unix milliseconds; defaults to now. */
  timestampMs?: number;
  /** Replaces the computed WorkOS-Signature value; `null` sends no signature header. */
  signature?: string | null;
  contentType?: string;
  /** Extra headers, added after the signature and content type. */
  headers?: Record<string, string>;
}

export interface DeliveryAnswer {
  status: number;
  body: any;
}

let sequence = 0;

/** Returns an event id no other delivery of this test process uses. */
export function uniqueEventId(): string {
  sequence += 1;
  return `event_test_${process.pid}_${Date.now()}_${sequence}`;
}

/** Returns a fixture with its top-level `id` replaced, pretty-printed like the stored fixtures. */
export function fixtureWithId(eventType: string, id: string): Buffer {
  const body = JSON.parse(fixtureBytes(eventType).toString('utf8')) as Record<string, unknown>;
  return Buffer.from(JSON.stringify({ ...body, id }, null, 2));
}

/** Builds a delivery signed by the WorkOS SDK; each option breaks or changes one part of it. */
export async function buildDelivery(options: DeliveryOptions): Promise<Delivery> {
  const body =
    options.body === undefined
      ? fixtureWithId('dsync.user.created', uniqueEventId())
      : Buffer.from(options.body);
  const signature =
    options.signature === undefined
      ? await sdkSignatureHeader(body, options.secret, options.timestampMs ?? Date.now())
      : options.signature;

  const headers: Record<string, string> = {
    'content-type': options.contentType ?? 'application/json',
  };
  if (signature !== null) headers['workos-signature'] = signature;
  return { body, headers: { ...headers, ...options.headers } };
}

/** Posts a delivery with fetch; returns the status and the parsed JSON body. */
export async function postDelivery(url: string, delivery: Delivery): Promise<DeliveryAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
  });
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
}

/**
 * Posts with node:http, which sends header names with the case given here (fetch lower-cases
 * them), so tests can check how the server treats `WORKOS-SIGNATURE` or `WorkOS-Signature`.
 */
export function postWithRawHeaders(
  url: string,
  headers: Record<string, string>,
  body: Buffer,
): Promise<DeliveryAnswer> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({
          status: response.statusCode ?? 0,
          body: text === '' ? undefined : JSON.parse(text),
        });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Calls `probe` until it returns a value other than undefined, or throws after `timeoutMs`.
 * For writes the server finishes after it responded, such as the rejection log.
 */
export async function waitFor<T>(
  description: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(25);
  }
}
