import type { DefaultMapping } from '../map/mapping-service.js';

/**
 * The contract every webhook provider module fulfils. The receiving pipeline is provider-neutral:
 * it calls the provider to verify the raw request, then to read the event id, type and time from
 * the parsed body.
 */
export interface Provider {
  key: string;
  displayName: string;
  /** Name of the request header that carries the signature, lower-cased. */
  signatureHeader: string;
  verify(request: VerificationRequest): VerificationResult;
  /** Reads the deduplication key, event type and event time from a parsed JSON object body. */
  describeEvent(body: Record<string, unknown>): EventDescription;
  eventTypes: readonly EventTypeInfo[];
  /** Event types with a realistic sample; others get a minimal envelope from `sampleBody`. */
  sampleEventTypes(): string[];
  /** A sample delivery body for an event type, used by `inlet send` and rehearsals. */
  sampleBody(eventType: string): Record<string, unknown> | undefined;
  /** Signs a body the way the provider does, for local test deliveries. */
  sign(rawBody: Buffer, secret: string, nowMs: number): Record<string, string>;
  defaults: { toleranceSeconds: number };
  /** Mappings installed on each environment of a new source, unless switched off at creation. */
  defaultMappings: readonly DefaultMapping[];
}

export interface VerificationRequest {
  rawBody: Buffer;
  /** Request headers with lower-cased names. */
  headers: Record<string, string | string[] | undefined>;
  secrets: readonly string[];
  toleranceSeconds: number;
  nowMs: number;
}

export type VerificationFailure =
  | 'signature_missing'
  | 'signature_malformed'
  | 'signature_mismatch'
  | 'timestamp_outside_tolerance'
  | 'no_signing_secret';

export type VerificationResult =
  { ok: true; secretIndex: number } | { ok: false; reason: VerificationFailure; detail: string };

export type EventDescription =
  | { ok: true; id: string; type: string; createdAt: string | null }
  | { ok: false; reason: 'event_id_missing' | 'event_type_missing'; detail: string };

export interface EventTypeInfo {
  type: string;
  description: string;
}
