import { describe, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { openStoreDatabase } from './store-database.js';

const ENV = 'development';
const T1 = '2025-03-01T10:00:00.000Z';
const T2 = '2025-03-02T10:00:00.000Z';
const T3 = '2025-03-03T10:00:00.000Z';

describeEachEngine('object store', (engine) => {
  describe('set and delete', () => {
    it('creates then merges', async () => {
      const { db, objects } = await openStoreDatabase(engine);

      const created = await objects.set(db, ENV, 'projects', 'p1', {
        name: 'Apollo',
        properties: { stage: 'beta', owner: 'ada' },
      });
      const merged = await objects.set(db, ENV, 'projects', 'p1', {
        properties: { stage: 'ga', owner: null },
      });

      expect(created.outcome).toBe('created');
      expect(merged.outcome).toBe('updated');
      expect(merged.object).toMatchObject({
        collection: 'projects',
        id: 'p1',
        name: 'Apollo',
        properties: { stage: 'ga' },
      });
    });

    it('skips a stale snapshot and applies an equal one', async () => {
      const { db, objects } = await openStoreDatabase(engine);
      await objects.set(db, ENV, 'groups', 'g1', { name: 'Two' }, { sourceUpdatedAt: T2 });

      const stale = await objects.set(
        db,
        ENV,
        'groups',
        'g1',
        { name: 'One' },
        { sourceUpdatedAt: T1 },
      );
      const equal = await objects.set(
        db,
        ENV,
        'groups',
        'g1',
        { name: 'Again' },
        { sourceUpdatedAt: T2 },
      );

      expect(stale.outcome).toBe('stale');
      expect(equal.outcome).toBe('updated');
      expect((await objects.get(db, ENV, 'groups', 'g1'))?.name).toBe('Again');
    });

    it('keeps collections apart', async () => {
      const { db, objects } = await openStoreDatabase(engine);
      await objects.set(db, ENV, 'projects', 'x', { name: 'Project' });
      await objects.set(db, ENV, 'teams', 'x', { name: 'Team' });

      expect((await objects.get(db, ENV, 'projects', 'x'))?.name).toBe('Project');
      expect((await objects.get(db, ENV, 'teams', 'x'))?.name).toBe('Team');
      expect((await objects.list(db, ENV, 'teams')).data.map((object) => object.name)).toEqual([
        'Team',
      ]);
    });

    it('deletes into a tombstone that only newer writes revive', async () => {
      const { db, objects } = await openStoreDatabase(engine);
      await objects.set(db, ENV, 'groups', 'g1', { name: 'Eng' }, { sourceUpdatedAt: T1 });

      const deleted = await objects.delete(db, ENV, 'groups', 'g1', { sourceTime: T2 });
      const older = await objects.set(
        db,
        ENV,
        'groups',
        'g1',
        { name: 'Eng' },
        { sourceUpdatedAt: T1 },
      );
      const newer = await objects.set(
        db,
        ENV,
        'groups',
        'g1',
        { name: 'Eng 2' },
        { sourceUpdatedAt: T3 },
      );

      expect(deleted).toBe('deleted');
      expect(older).toEqual({ outcome: 'stale', object: null });
      expect(newer.outcome).toBe('created');
      expect(newer.object?.name).toBe('Eng 2');
    });

    it('skips a stale delete', async () => {
      const { db, objects } = await openStoreDatabase(engine);
      await objects.set(db, ENV, 'groups', 'g1', { name: 'Eng' }, { sourceUpdatedAt: T2 });

      expect(await objects.delete(db, ENV, 'groups', 'g1', { sourceTime: T1 })).toBe('stale');
      expect(await objects.get(db, ENV, 'groups', 'g1')).not.toBeNull();
    });

    it('rejects an unknown attribute', async () => {
      const { db, objects } = await openStoreDatabase(engine);

      const attributes = { title: 'x' } as unknown as { name: string };
      await expect(objects.set(db, ENV, 'groups', 'g1', attributes)).rejects.toMatchObject({
        code: 'validation_failed',
        message: expect.stringContaining('"title"'),
      });
    });

    it('rejects a collection with a control character', async () => {
      const { db, objects } = await openStoreDatabase(engine);

      await expect(objects.set(db, ENV, 'gro\u0000ups', 'g1', {})).rejects.toMatchObject({
        code: 'validation_failed',
        message: expect.stringContaining('collection'),
      });
    });
  });

  describe('subscriptions', () => {
    it('creates a missing object bare', async () => {
      const { db, objects } = await openStoreDatabase(engine);

      const count = await objects.subscribe(db, ENV, 'projects', 'p1', ['u1', 'u2'], {
        role: 'owner',
      });

      expect(count).toBe(2);
      const object = await objects.get(db, ENV, 'projects', 'p1');
      expect(object).toMatchObject({ name: null, properties: {} });
      const page = await objects.subscriptions(db, ENV, 'projects', 'p1');
      expect(page.data.map((row) => [row.recipient_id, row.properties])).toEqual([
        ['u1', { role: 'owner' }],
        ['u2', { role: 'owner' }],
      ]);
    });

    it('is idempotent and keeps properties unless given', async () => {
      const { db, objects } = await openStoreDatabase(engine);
      await objects.subscribe(db, ENV, 'projects', 'p1', ['u1'], { role: 'owner' });

      const repeat = await objects.subscribe(db, ENV, 'projects', 'p1', ['u1', 'u1']);
      const afterRepeat = await objects.subscriptions(db, ENV, 'projects', 'p1');
      await objects.subscribe(db, ENV, 'projects', 'p1', ['u1'], { role: 'viewer' });
      const afterChange = await objects.subscriptions(db, ENV, 'projects', 'p1');

      expect(repeat).toBe(1);
      expect(afterRepeat.data).toHaveLength(1);
      expect(afterRepeat.data[0]?.properties).toEqual({ role: 'owner' });
      expect(afterChange.data[0]?.properties).toEqual({ role: 'viewer' });
    });

    it('unsubscribes', async () => {
      const { db, objects } = await openStoreDatabase(engine);
      await objects.subscribe(db, ENV, 'projects', 'p1', ['u1', 'u2', 'u3']);

      const removed = await objects.unsubscribe(db, ENV, 'projects', 'p1', ['u1', 'u3', 'nobody']);

      expect(removed).toBe(2);
      const page = await objects.subscriptions(db, ENV, 'projects', 'p1');
      expect(page.data.map((row) => row.recipient_id)).toEqual(['u2']);
    });

    it('lists live subscribers only', async () => {
      const { db, users, objects } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', {});
      await users.identify(db, ENV, 'u2', {});
      await objects.subscribe(db, ENV, 'projects', 'p1', ['u1', 'u2', 'not-yet-identified'], {
        n: 1,
      });

      await users.delete(db, ENV, 'u2');

      expect(await objects.subscribersOf(db, ENV, 'projects', 'p1')).toEqual([
        { user_id: 'u1', properties: { n: 1 } },
      ]);
    });

    it('skips deleted users', async () => {
      const { db, users, objects } = await openStoreDatabase(engine);
      await users.identify(db, ENV, 'u1', {});
      await users.delete(db, ENV, 'u1');

      const count = await objects.subscribe(db, ENV, 'projects', 'p1', ['u1', 'u2']);

      expect(count).toBe(1);
      const page = await objects.subscriptions(db, ENV, 'projects', 'p1');
      expect(page.data.map((row) => row.recipient_id)).toEqual(['u2']);
    });

    it('are removed with their object', async () => {
      const { db, objects } = await openStoreDatabase(engine);
      await objects.subscribe(db, ENV, 'projects', 'p1', ['u1']);
      await objects.subscribe(db, ENV, 'projects', 'p2', ['u1']);

      await objects.delete(db, ENV, 'projects', 'p1');

      const ofUser = await objects.subscriptionsOfUser(db, ENV, 'u1');
      expect(ofUser.data.map((row) => row.object_id)).toEqual(['p2']);
    });

    it('reject a deleted object', async () => {
      const { db, objects } = await openStoreDatabase(engine);
      await objects.set(db, ENV, 'projects', 'p1', {});
      await objects.delete(db, ENV, 'projects', 'p1');

      await expect(objects.subscribe(db, ENV, 'projects', 'p1', ['u1'])).rejects.toMatchObject({
        code: 'not_found',
        message: expect.stringContaining('was deleted'),
      });
    });

    it('paginate by user across collections', async () => {
      const { db, objects } = await openStoreDatabase(engine);
      for (const [collection, id] of [
        ['teams', 't1'],
        ['projects', 'p2'],
        ['projects', 'p1'],
      ] as const) {
        await objects.subscribe(db, ENV, collection, id, ['u1']);
      }

      const first = await objects.subscriptionsOfUser(db, ENV, 'u1', { limit: 2 });
      const second = await objects.subscriptionsOfUser(db, ENV, 'u1', {
        limit: 2,
        after: first.next_cursor!,
      });

      expect(first.data.map((row) => `${row.collection}/${row.object_id}`)).toEqual([
        'projects/p1',
        'projects/p2',
      ]);
      expect(second.data.map((row) => `${row.collection}/${row.object_id}`)).toEqual(['teams/t1']);
      expect(second.next_cursor).toBeNull();
    });

    it('paginate by recipient', async () => {
      const { db, objects } = await openStoreDatabase(engine);
      await objects.subscribe(db, ENV, 'projects', 'p1', ['u3', 'u1', 'u2']);

      const first = await objects.subscriptions(db, ENV, 'projects', 'p1', { limit: 2 });
      const second = await objects.subscriptions(db, ENV, 'projects', 'p1', {
        after: first.next_cursor!,
      });

      expect(first.data.map((row) => row.recipient_id)).toEqual(['u1', 'u2']);
      expect(second.data.map((row) => row.recipient_id)).toEqual(['u3']);
    });

    it('limit recipients per call', async () => {
      const { db, objects } = await openStoreDatabase(engine);
      const recipients = Array.from({ length: 101 }, (_, index) => `u${index}`);

      await expect(objects.subscribe(db, ENV, 'projects', 'p1', recipients)).rejects.toMatchObject({
        code: 'validation_failed',
        message: expect.stringContaining('at most 100'),
      });
      await expect(objects.subscribe(db, ENV, 'projects', 'p1', [])).rejects.toMatchObject({
        code: 'validation_failed',
        message: expect.stringContaining('recipients'),
      });
      expect(await objects.get(db, ENV, 'projects', 'p1')).toBeNull();
    });

    it('isolate environments', async () => {
      const { db, objects } = await openStoreDatabase(engine);
      await objects.subscribe(db, 'development', 'projects', 'p1', ['u1']);

      expect(await objects.get(db, 'production', 'projects', 'p1')).toBeNull();
      expect((await objects.subscriptionsOfUser(db, 'production', 'u1')).data).toEqual([]);
    });
  });
});
