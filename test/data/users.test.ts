import { describe, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { openStoreDatabase } from './store-database.js';

const ENV = 'development';
const T1 = '2025-03-01T10:00:00.000Z';
const T2 = '2025-03-02T10:00:00.000Z';
const T3 = '2025-03-03T10:00:00.000Z';

function validationError(field: string) {
  return { code: 'validation_failed', message: expect.stringContaining(field) };
}

describeEachEngine('user store', (engine) => {
  describe('identify', () => {
    it('creates then merges', async () => {
      const { db, users } = await openStoreDatabase(engine);

      const created = await users.identify(db, ENV, 'u1', {
        name: 'Ada',
        email: 'ada@example.com',
        properties: { plan: 'pro', seats: 3, team: 'core' },
      });
      const merged = await users.identify(db, ENV, 'u1', {
        phone_number: '+14155550123',
        properties: { seats: 5, team: null, region: 'eu' },
      });

      expect(created.outcome).toBe('created');
      expect(merged.outcome).toBe('updated');
      expect(merged.user?.name).toBe('Ada');
      expect(merged.user?.email).toBe('ada@example.com');
      expect(merged.user?.phone_number).toBe('+14155550123');
      expect(merged.user?.properties).toEqual({ plan: 'pro', seats: 5, region: 'eu' });
      expect(await users.get(db, ENV, 'u1')).toEqual(merged.user);
    });

    it('clears an attribute set to null', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', { name: 'Ada', locale: 'en-GB' });

      const { user } = await users.identify(db, ENV, 'u1', { locale: null });

      expect(user?.locale).toBeNull();
      expect(user?.name).toBe('Ada');
    });

    it('reports unchanged data without a write', async () => {
      const { db, users } = await openStoreDatabase(engine);
      const first = await users.identify(db, ENV, 'u1', {
        name: 'Ada',
        properties: { a: 1, b: 2 },
      });

      const again = await users.identify(db, ENV, 'u1', { name: 'Ada', properties: { b: 2 } });

      expect(again.outcome).toBe('unchanged');
      expect(again.user?.updated_at).toBe(first.user?.updated_at);
    });

    it('skips a stale snapshot', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', { name: 'New' }, { sourceUpdatedAt: T2 });

      const stale = await users.identify(db, ENV, 'u1', { name: 'Old' }, { sourceUpdatedAt: T1 });

      expect(stale.outcome).toBe('stale');
      expect(stale.user?.name).toBe('New');
      expect((await users.get(db, ENV, 'u1'))?.name).toBe('New');
      expect((await users.get(db, ENV, 'u1'))?.source_updated_at).toBe(T2);
    });

    it('applies an equal source time again', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', { name: 'First' }, { sourceUpdatedAt: T1 });

      const again = await users.identify(
        db,
        ENV,
        'u1',
        { name: 'Second' },
        { sourceUpdatedAt: T1 },
      );

      expect(again.outcome).toBe('updated');
      expect(again.user?.name).toBe('Second');
    });

    it('records a newer source time on unchanged data', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', { name: 'Ada' }, { sourceUpdatedAt: T1 });

      const newer = await users.identify(db, ENV, 'u1', { name: 'Ada' }, { sourceUpdatedAt: T3 });
      const older = await users.identify(db, ENV, 'u1', { name: 'Bob' }, { sourceUpdatedAt: T2 });

      expect(newer.outcome).toBe('unchanged');
      expect(newer.user?.source_updated_at).toBe(T3);
      expect(older.outcome).toBe('stale');
    });

    it('applies a write without source time to a live user', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', { name: 'Ada' }, { sourceUpdatedAt: T2 });

      const { outcome, user } = await users.identify(db, ENV, 'u1', { name: 'Operator' });

      expect(outcome).toBe('updated');
      expect(user?.name).toBe('Operator');
      expect(user?.source_updated_at).toBe(T2);
    });

    it('normalizes the source time', async () => {
      const { db, users } = await openStoreDatabase(engine);

      const { user } = await users.identify(
        db,
        ENV,
        'u1',
        {},
        { sourceUpdatedAt: '2025-03-01T12:00:00+02:00' },
      );

      expect(user?.source_updated_at).toBe(T1);
    });

    it('merges concurrent identifies of a new user', async () => {
      const { db, users } = await openStoreDatabase(engine);
      const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];

      const results = await Promise.all(
        keys.map((key) => users.identify(db, ENV, 'u1', { properties: { [key]: true } })),
      );

      const outcomes = results.map((result) => result.outcome).sort();
      expect(outcomes.filter((outcome) => outcome === 'created')).toHaveLength(1);
      expect(outcomes.filter((outcome) => outcome === 'updated')).toHaveLength(keys.length - 1);
      const user = await users.get(db, ENV, 'u1');
      expect(Object.keys(user!.properties).sort()).toEqual(keys);
    });

    it('joins the caller transaction', async () => {
      const { db, users } = await openStoreDatabase(engine);

      const rollback = db.transaction().execute(async (tx) => {
        await users.identify(tx, ENV, 'u1', { name: 'Ada' });
        expect((await users.get(tx, ENV, 'u1'))?.name).toBe('Ada');
        throw new Error('roll back');
      });

      await expect(rollback).rejects.toThrow('roll back');
      expect(await users.get(db, ENV, 'u1')).toBeNull();
    });
  });

  describe('delete', () => {
    it('keeps a tombstone', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', { name: 'Ada', properties: { plan: 'pro' } });
      await users.setPreferences(db, ENV, 'u1', { workflows: { digest: false } });

      const outcome = await users.delete(db, ENV, 'u1');

      expect(outcome).toBe('deleted');
      expect(await users.get(db, ENV, 'u1')).toBeNull();
      expect((await users.list(db, ENV)).data).toEqual([]);
      expect(await users.getPreferences(db, ENV, 'u1')).toBeNull();
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', 'u1')
        .executeTakeFirstOrThrow();
      expect(row.deleted_at).not.toBeNull();
      expect(row.name).toBeNull();
      expect(row.properties).toBe('{}');
      expect(row.preferences).toBe('{}');
    });

    it('returns not_found for a missing or deleted user', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', { name: 'Ada' });
      await users.delete(db, ENV, 'u1');

      expect(await users.delete(db, ENV, 'u1')).toBe('not_found');
      expect(await users.delete(db, ENV, 'nobody')).toBe('not_found');
    });

    it('skips a delete older than the stored snapshot', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', { name: 'Ada' }, { sourceUpdatedAt: T2 });

      const outcome = await users.delete(db, ENV, 'u1', { sourceTime: T1 });

      expect(outcome).toBe('stale');
      expect((await users.get(db, ENV, 'u1'))?.name).toBe('Ada');
    });

    it('is not undone by an older identify', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', { name: 'Ada' }, { sourceUpdatedAt: T1 });
      await users.delete(db, ENV, 'u1', { sourceTime: T2 });

      const older = await users.identify(db, ENV, 'u1', { name: 'Ada' }, { sourceUpdatedAt: T1 });
      const equal = await users.identify(db, ENV, 'u1', { name: 'Ada' }, { sourceUpdatedAt: T2 });
      const untimed = await users.identify(db, ENV, 'u1', { name: 'Ada' });

      expect(older).toEqual({ outcome: 'stale', user: null });
      expect(equal).toEqual({ outcome: 'stale', user: null });
      expect(untimed).toEqual({ outcome: 'stale', user: null });
      expect(await users.get(db, ENV, 'u1')).toBeNull();
    });

    it('is undone by a newer identify', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(
        db,
        ENV,
        'u1',
        { name: 'Ada', properties: { old: true } },
        { sourceUpdatedAt: T1 },
      );
      await users.delete(db, ENV, 'u1', { sourceTime: T2 });

      const revived = await users.identify(
        db,
        ENV,
        'u1',
        { email: 'ada@example.com' },
        { sourceUpdatedAt: T3 },
      );

      expect(revived.outcome).toBe('created');
      expect(revived.user?.email).toBe('ada@example.com');
      expect(revived.user?.name).toBeNull();
      expect(revived.user?.properties).toEqual({});
      expect(revived.user?.source_updated_at).toBe(T3);
    });

    it('is undone by an explicit revive', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', { name: 'Ada' }, { sourceUpdatedAt: T1 });
      await users.delete(db, ENV, 'u1', { sourceTime: T2 });

      const revived = await users.identify(db, ENV, 'u1', { name: 'Ada' }, { revive: true });
      const olderRetry = await users.identify(
        db,
        ENV,
        'u1',
        { name: 'Old' },
        { sourceUpdatedAt: T1 },
      );

      expect(revived.outcome).toBe('created');
      expect(revived.user?.name).toBe('Ada');
      expect(olderRetry.outcome).toBe('stale');
    });

    it('without source time stops a retried snapshot', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', { name: 'Ada' }, { sourceUpdatedAt: T1 });
      await users.delete(db, ENV, 'u1');

      const retry = await users.identify(db, ENV, 'u1', { name: 'Ada' }, { sourceUpdatedAt: T1 });

      expect(retry.outcome).toBe('stale');
    });

    it('of a missing user stops an older create', async () => {
      const { db, users } = await openStoreDatabase(engine);

      const outcome = await users.delete(db, ENV, 'u1', { sourceTime: T2 });
      const lateCreate = await users.identify(
        db,
        ENV,
        'u1',
        { name: 'Ada' },
        { sourceUpdatedAt: T1 },
      );
      const newerCreate = await users.identify(
        db,
        ENV,
        'u1',
        { name: 'Ada' },
        { sourceUpdatedAt: T3 },
      );

      expect(outcome).toBe('not_found');
      expect(lateCreate.outcome).toBe('stale');
      expect(newerCreate.outcome).toBe('created');
    });

    it('removes subscriptions and memberships', async () => {
      const { db, users, objects, audiences } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', { name: 'Ada' });
      await users.identify(db, ENV, 'u2', { name: 'Bob' });
      await objects.subscribe(db, ENV, 'projects', 'p1', ['u1', 'u2']);
      await audiences.addMembers(db, ENV, 'beta', [{ user_id: 'u1' }, { user_id: 'u2' }]);

      await users.delete(db, ENV, 'u1');

      const subscriptions = await objects.subscriptions(db, ENV, 'projects', 'p1');
      expect(subscriptions.data.map((row) => row.recipient_id)).toEqual(['u2']);
      expect((await objects.subscriptionsOfUser(db, ENV, 'u1')).data).toEqual([]);
      const members = await audiences.members(db, ENV, 'beta');
      expect(members.data.map((row) => row.user_id)).toEqual(['u2']);
    });
  });

  describe('reads', () => {
    it('paginates the list', async () => {
      const { db, users } = await openStoreDatabase(engine);
      for (const id of ['u5', 'u3', 'u1', 'u4', 'u2']) await users.identify(db, ENV, id, {});
      await users.delete(db, ENV, 'u4');

      const first = await users.list(db, ENV, { limit: 2 });
      const second = await users.list(db, ENV, { limit: 2, after: first.next_cursor! });

      expect(first.data.map((user) => user.id)).toEqual(['u1', 'u2']);
      expect(second.data.map((user) => user.id)).toEqual(['u3', 'u5']);
      expect(first.next_cursor).not.toBeNull();
      expect(second.next_cursor).toBeNull();
    });

    it('rejects a malformed cursor', async () => {
      const { db, users } = await openStoreDatabase(engine);

      await expect(users.list(db, ENV, { after: 'not-a-cursor' })).rejects.toMatchObject(
        validationError('cursor'),
      );
    });

    it('gets many in request order', async () => {
      const { db, users } = await openStoreDatabase(engine);
      for (const id of ['u1', 'u2', 'u3']) await users.identify(db, ENV, id, { name: id });
      await users.delete(db, ENV, 'u2');

      const found = await users.getMany(db, ENV, ['u3', 'missing', 'u2', 'u1', 'u3']);

      expect(found.map((user) => user.id)).toEqual(['u3', 'u1']);
    });

    it('isolates environments', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, 'development', 'u1', { name: 'Dev' });
      await users.identify(db, 'production', 'u1', { name: 'Prod' });

      await users.delete(db, 'production', 'u1');

      expect((await users.get(db, 'development', 'u1'))?.name).toBe('Dev');
      expect(await users.get(db, 'production', 'u1')).toBeNull();
      expect((await users.list(db, 'production')).data).toEqual([]);
    });
  });

  describe('validation', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['invalid email', { email: 'not-an-email' }, 'email'],
      ['invalid phone', { phone_number: 'call me' }, 'phone_number'],
      ['non-string name', { name: 42 }, 'name'],
      ['array properties', { properties: [1, 2] }, 'properties'],
      ['unknown attribute', { nickname: 'A' }, 'nickname'],
    ];
    for (const [name, attributes, field] of cases) {
      it(`rejects ${name}`, async () => {
        const { db, users } = await openStoreDatabase(engine);

        await expect(users.identify(db, ENV, 'u1', attributes)).rejects.toMatchObject(
          validationError(field),
        );
        expect(await users.get(db, ENV, 'u1')).toBeNull();
      });
    }

    it('rejects invalid ids', async () => {
      const { db, users } = await openStoreDatabase(engine);

      await expect(users.identify(db, ENV, '', {})).rejects.toMatchObject(
        validationError('user id'),
      );
      await expect(users.identify(db, ENV, 'x'.repeat(256), {})).rejects.toMatchObject(
        validationError('at most 255'),
      );
      await expect(users.identify(db, ENV, 'a\nb', {})).rejects.toMatchObject(
        validationError('control character'),
      );
    });

    it('rejects properties above 64 KiB after merging', async () => {
      const { db, users } = await openStoreDatabase(engine);
      const half = 'x'.repeat(40 * 1024);
      await users.identify(db, ENV, 'u1', { properties: { a: half } });

      await expect(
        users.identify(db, ENV, 'u1', { properties: { b: half } }),
      ).rejects.toMatchObject(validationError('65536-byte limit'));
      expect(Object.keys((await users.get(db, ENV, 'u1'))!.properties)).toEqual(['a']);
    });

    it('rejects an invalid source time', async () => {
      const { db, users } = await openStoreDatabase(engine);

      await expect(
        users.identify(db, ENV, 'u1', {}, { sourceUpdatedAt: 'yesterday' }),
      ).rejects.toMatchObject(validationError('sourceUpdatedAt'));
    });
  });

  describe('preferences', () => {
    it('stores and fills in defaults', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', {});

      const before = await users.getPreferences(db, ENV, 'u1');
      await users.setPreferences(db, ENV, 'u1', { channel_types: { email: false } });
      const after = await users.getPreferences(db, ENV, 'u1');

      expect(before).toEqual({ workflows: {}, categories: {}, channel_types: {} });
      expect(after).toEqual({ workflows: {}, categories: {}, channel_types: { email: false } });
    });

    it('rejects an unknown channel type', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', {});

      await expect(
        users.setPreferences(db, ENV, 'u1', { channel_types: { sms: false } }),
      ).rejects.toMatchObject(validationError('preferences.channel_types'));
    });

    it('rejects a non-boolean toggle', async () => {
      const { db, users } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', {});

      await expect(
        users.setPreferences(db, ENV, 'u1', { workflows: { digest: 'no' } }),
      ).rejects.toMatchObject(validationError('preferences.workflows.digest'));
    });

    it('requires an existing user', async () => {
      const { db, users } = await openStoreDatabase(engine);

      await expect(users.setPreferences(db, ENV, 'nobody', {})).rejects.toMatchObject({
        code: 'not_found',
      });
      expect(await users.getPreferences(db, ENV, 'nobody')).toBeNull();
    });
  });
});
