import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { newId } from '../../ids.js';

const SAMPLES_DIR = fileURLToPath(new URL('../../../fixtures/workos/', import.meta.url));

let cache: Map<string, Record<string, unknown>> | undefined;

/** Sample WorkOS deliveries shipped in fixtures/workos, keyed by event type. */
export function workosSamples(): Map<string, Record<string, unknown>> {
  if (cache === undefined) {
    // Filled before it is cached, so a failed read is retried by the next call.
    const samples = new Map<string, Record<string, unknown>>();
    for (const file of fs.readdirSync(SAMPLES_DIR).filter((name) => name.endsWith('.json'))) {
      const body = JSON.parse(fs.readFileSync(SAMPLES_DIR + file, 'utf8')) as Record<
        string,
        unknown
      >;
      samples.set(String(body.event), body);
    }
    cache = samples;
  }
  return cache;
}

/**
 * Builds a sample delivery for `eventType` with a fresh event id and time, so that sending it twice
 * records two events. Types without a shipped sample get a minimal envelope.
 */
export function workosSampleBody(eventType: string): Record<string, unknown> {
  const now = new Date().toISOString();
  const sample = workosSamples().get(eventType);
  const data = sample ? structuredClone(sample.data) : { object: eventType.split('.')[0] };
  return {
    object: 'event',
    id: newId('event'),
    event: eventType,
    data,
    created_at: now,
    context: {},
  };
}
