import { describe, expect, it } from 'vitest';
import { workosProvider } from '../../src/providers/workos/index.js';
import { workosSampleBody } from '../../src/providers/workos/samples.js';
import { fixtureBytes, fixtureEventTypes } from '../support/workos.js';

const envelope = { id: 'event_01JP27SM84YXEK1SK9XRFPV10A', event: 'dsync.user.created', data: {} };

describe('workos describeEvent', () => {
  it.each(fixtureEventTypes())('reads id, type and time of %s', (eventType) => {
    const body = JSON.parse(fixtureBytes(eventType).toString('utf8'));

    const described = workosProvider.describeEvent(body);

    expect(described).toEqual({
      ok: true,
      id: body.id,
      type: eventType,
      createdAt: body.created_at,
    });
  });

  it.each([
    ['a zone-less time with a space', '2023-04-28 20:05:31.093', '2023-04-28T20:05:31.093Z'],
    ['a zone-less time with a T', '2023-04-28T20:05:31.093', '2023-04-28T20:05:31.093Z'],
    ['a time without milliseconds', '2023-04-28 20:05:31', '2023-04-28T20:05:31.000Z'],
    ['a UTC time', '2025-03-11T09:15:27.364Z', '2025-03-11T09:15:27.364Z'],
    ['an offset with a colon', '2025-03-11T11:15:27.364+02:00', '2025-03-11T09:15:27.364Z'],
    ['an offset without a colon', '2025-03-11T04:15:27.364-0500', '2025-03-11T09:15:27.364Z'],
  ])('parses %s as UTC', (_name, createdAt, expected) => {
    const described = workosProvider.describeEvent({ ...envelope, created_at: createdAt });

    expect(described.ok).toBe(true);
    if (described.ok) expect(described.createdAt).toBe(expected);
  });

  it.each([
    ['a missing time', undefined],
    ['a number', 1_682_712_331_093],
    ['text that is no time', 'yesterday'],
    ['an empty string', ''],
  ])('leaves out %s', (_name, createdAt) => {
    const described = workosProvider.describeEvent({ ...envelope, created_at: createdAt });

    expect(described).toEqual({ ok: true, id: envelope.id, type: envelope.event, createdAt: null });
  });

  it.each([
    ['no id', { event: 'dsync.user.created' }],
    ['an empty id', { id: '', event: 'dsync.user.created' }],
    ['a numeric id', { id: 42, event: 'dsync.user.created' }],
    ['an id of 256 characters', { id: 'e'.repeat(256), event: 'dsync.user.created' }],
  ])('rejects %s as event_id_missing', (_name, body) => {
    const described = workosProvider.describeEvent(body);

    expect(described.ok).toBe(false);
    if (!described.ok) expect(described.reason).toBe('event_id_missing');
  });

  it.each([
    ['no event', { id: 'event_1' }],
    ['an empty event', { id: 'event_1', event: '' }],
    ['an object event', { id: 'event_1', event: { type: 'dsync.user.created' } }],
  ])('rejects %s as event_type_missing', (_name, body) => {
    const described = workosProvider.describeEvent(body);

    expect(described.ok).toBe(false);
    if (!described.ok) expect(described.reason).toBe('event_type_missing');
  });
});

describe('workos sample bodies', () => {
  it('gives every sample a fresh event id', () => {
    const first = workosSampleBody('dsync.user.created');
    const second = workosSampleBody('dsync.user.created');

    expect(first.id).not.toBe(second.id);
    expect(first.event).toBe('dsync.user.created');
  });

  it('copies the data of the shipped fixture', () => {
    const fixture = JSON.parse(fixtureBytes('dsync.group.created').toString('utf8'));

    expect(workosSampleBody('dsync.group.created').data).toEqual(fixture.data);
  });

  it('builds a minimal envelope for types without a fixture', () => {
    const sample = workosSampleBody('session.created');

    expect(sample.data).toEqual({ object: 'session' });
    expect(typeof sample.created_at).toBe('string');
  });
});
