import { expect } from 'vitest';
import type { TestInlet } from './inlet.js';
import { fixtureBytes, sdkSignatureHeader } from './workos.js';

/** The fixture files in the order WorkOS sent them (by their created_at). */
export const FIXTURE_STORY = [
  'dsync.activated',
  'connection.activated',
  'dsync.user.created',
  'dsync.group.created',
  'dsync.group.user_added',
  'user.created',
  'dsync.user.updated',
  'dsync.group.updated',
  'dsync.group.user_removed',
  'dsync.user.deleted',
  'dsync.group.deleted',
  'connection.deactivated',
] as const;

/** Posts a body signed by the WorkOS SDK; returns the HTTP status and the parsed JSON response. */
export async function deliver(
  url: string,
  body: Buffer | string,
  secret: string,
): Promise<{ status: number; body: any }> {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'WorkOS-Signature': await sdkSignatureHeader(bytes, secret),
    },
    body: bytes,
  });
  return { status: response.status, body: await response.json() };
}

export async function deliverFixture(url: string, eventType: string, secret: string) {
  const answer = await deliver(url, fixtureBytes(eventType), secret);
  expect(answer.status, `delivering ${eventType}: ${JSON.stringify(answer.body)}`).toBe(200);
  return answer.body as { id: string; status: string; duplicate: boolean };
}

const UNFINISHED = new Set(['received', 'processing']);

/** Waits until no event of the environment is waiting for or in processing. */
export async function waitForProcessing(
  inlet: TestInlet,
  source: string,
  environment = 'development',
  timeoutMs = 20_000,
): Promise<any[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await inlet.api(
      'GET',
      `/v1/sources/${source}/environments/${environment}/events?limit=200`,
    );
    const events = body.data as { status: string }[];
    if (!events.some((event) => UNFINISHED.has(event.status))) return events;
    if (Date.now() > deadline)
      throw new Error(
        `events still unprocessed after ${timeoutMs} ms: ${JSON.stringify(events.map((event) => event.status))}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Waits until `check` returns a value other than undefined, polling every 25 ms. */
export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
