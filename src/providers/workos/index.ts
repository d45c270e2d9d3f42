import type { EventDescription, Provider } from '../provider.js';
import { WORKOS_DEFAULT_MAPPINGS } from './default-mappings.js';
import { WORKOS_EVENT_TYPES } from './event-types.js';
import { workosSampleBody, workosSamples } from './samples.js';
import { signWorkosBody, verifyWorkosSignature, WORKOS_SIGNATURE_HEADER } from './signature.js';

export const workosProvider: Provider = {
  key: 'workos',
  displayName: 'WorkOS',
  signatureHeader: WORKOS_SIGNATURE_HEADER,
  verify: verifyWorkosSignature,
  describeEvent,
  eventTypes: WORKOS_EVENT_TYPES,
  sampleEventTypes: () => [...workosSamples().keys()],
  sampleBody: workosSampleBody,
  sign: (rawBody, secret, nowMs) => ({
    'WorkOS-Signature': signWorkosBody(rawBody, secret, nowMs),
  }),
  // WorkOS's own SDKs default to 180 s (workos-node `tolerance = 180000` ms).
  defaults: { toleranceSeconds: 180 },
  defaultMappings: WORKOS_DEFAULT_MAPPINGS,
};

const MAX_ID_LENGTH = 255;

// The envelope is `{id, event, data, created_at, context?, object?}`. Older payloads write
// created_at without a zone ("2023-04-28 20:05:31.093"), so the time is parsed leniently and
// stored as UTC ISO-8601 when it parses, or left out when it does not.
function describeEvent(body: Record<string, unknown>): EventDescription {
  const { id, event } = body;
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_LENGTH) {
    return {
      ok: false,
      reason: 'event_id_missing',
      detail: `The body needs an "id" string of 1 to ${MAX_ID_LENGTH} characters.`,
    };
  }
  if (typeof event !== 'string' || event === '' || event.length > MAX_ID_LENGTH) {
    return {
      ok: false,
      reason: 'event_type_missing',
      detail: `The body needs an "event" string of 1 to ${MAX_ID_LENGTH} characters.`,
    };
  }
  return { ok: true, id, type: event, createdAt: parseLenientTime(body.created_at) };
}

function parseLenientTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(value);
  const normalized = value.replace(' ', 'T') + (hasZone ? '' : 'Z');
  const time = Date.parse(normalized);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
