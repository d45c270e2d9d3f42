import { describe, expect, it } from 'vitest';
import { describeEachEngine } from '../support/engines.js';
import { openStoreDatabase } from './store-database.js';

const ENV = 'development';
const T1 = '2025-03-01T10:00:00.000Z';
const T2 = '2025-03-02T10:00:00.000Z';

describeEachEngine('tenant store', (engine) => {
  it('creates then merges properties and settings', async () => {
    const { db, tenants } = await openStoreDatabase(engine);

    await tenants.set(db, ENV, 'acme', {
      name: 'Acme',
      properties: { plan: 'pro', seats: 10 },
      settings: { branding: { color: '#000' }, locale: 'en' },
    });
    const { outcome, tenant } = await tenants.set(db, ENV, 'acme', {
      properties: { seats: null },
      settings: { branding: { color: '#fff' } },
    });

    expect(outcome).toBe('updated');
    expect(tenant).toMatchObject({
      id: 'acme',
      name: 'Acme',
      properties: { plan: 'pro' },
      settings: { branding: { color: '#fff' }, locale: 'en' },
    });
  });

  it('skips stale writes and keeps tombstones', async () => {
    const { db, tenants } = await openStoreDatabase(engine);
    await tenants.set(db, ENV, 'acme', { name: 'New' }, { sourceUpdatedAt: T2 });

    const stale = await tenants.set(db, ENV, 'acme', { name: 'Old' }, { sourceUpdatedAt: T1 });
    const deleted = await tenants.delete(db, ENV, 'acme', { sourceTime: T2 });
    const late = await tenants.set(db, ENV, 'acme', { name: 'New' }, { sourceUpdatedAt: T2 });

    expect(stale.outcome).toBe('stale');
    expect(deleted).toBe('deleted');
    expect(late).toEqual({ outcome: 'stale', tenant: null });
    expect(await tenants.get(db, ENV, 'acme')).toBeNull();
  });

  it('lists live tenants', async () => {
    const { db, tenants } = await openStoreDatabase(engine);
    for (const id of ['c', 'a', 'b']) await tenants.set(db, ENV, id, {});
    await tenants.delete(db, ENV, 'b');

    const page = await tenants.list(db, ENV);

    expect(page.data.map((tenant) => tenant.id)).toEqual(['a', 'c']);
    expect(page.next_cursor).toBeNull();
  });

  it('rejects non-object settings', async () => {
    const { db, tenants } = await openStoreDatabase(engine);

    const attributes = { settings: 'dark' } as unknown as { settings: Record<string, unknown> };
    await expect(tenants.set(db, ENV, 'acme', attributes)).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('settings'),
    });
  });
});

describeEachEngine('audience store', (engine) => {
  it('adds members once', async () => {
    const { db, audiences } = await openStoreDatabase(engine);

    const first = await audiences.addMembers(db, ENV, 'beta', [
      { user_id: 'u1' },
      { user_id: 'u2', tenant_id: 'acme' },
      { user_id: 'u2' },
    ]);
    const again = await audiences.addMembers(db, ENV, 'beta', [
      { user_id: 'u1' },
      { user_id: 'u3' },
    ]);

    expect(first).toBe(3);
    expect(again).toBe(1);
    expect(await audiences.get(db, ENV, 'beta')).toMatchObject({ key: 'beta', name: null });
    const page = await audiences.members(db, ENV, 'beta');
    expect(page.data.map((member) => [member.user_id, member.tenant_id])).toEqual([
      ['u1', null],
      ['u2', null],
      ['u2', 'acme'],
      ['u3', null],
    ]);
  });

  it('removes members by tenant scope', async () => {
    const { db, audiences } = await openStoreDatabase(engine);
    await audiences.addMembers(db, ENV, 'beta', [
      { user_id: 'u1' },
      { user_id: 'u1', tenant_id: 'acme' },
      { user_id: 'u2' },
    ]);

    const removed = await audiences.removeMembers(db, ENV, 'beta', [
      { user_id: 'u1', tenant_id: 'acme' },
      { user_id: 'u2' },
      { user_id: 'nobody' },
    ]);

    expect(removed).toBe(2);
    const page = await audiences.members(db, ENV, 'beta');
    expect(page.data.map((member) => [member.user_id, member.tenant_id])).toEqual([['u1', null]]);
  });

  it('paginates members', async () => {
    const { db, audiences } = await openStoreDatabase(engine);
    await audiences.addMembers(db, ENV, 'beta', [
      { user_id: 'u1', tenant_id: 'b' },
      { user_id: 'u1', tenant_id: 'a' },
      { user_id: 'u2' },
    ]);

    const first = await audiences.members(db, ENV, 'beta', { limit: 2 });
    const second = await audiences.members(db, ENV, 'beta', {
      limit: 2,
      after: first.next_cursor!,
    });

    expect(first.data.map((member) => member.tenant_id)).toEqual(['a', 'b']);
    expect(second.data.map((member) => member.user_id)).toEqual(['u2']);
    expect(second.next_cursor).toBeNull();
  });

  it('skips deleted users', async () => {
    const { db, users, audiences } = await openStoreDatabase(engine);
    await users.identify(db, ENV, 'gone', {});
    await users.delete(db, ENV, 'gone');

    const added = await audiences.addMembers(db, ENV, 'beta', [
      { user_id: 'gone' },
      { user_id: 'u1' },
    ]);

    expect(added).toBe(1);
  });

  it('limits members per call', async () => {
    const { db, audiences } = await openStoreDatabase(engine);
    const members = Array.from({ length: 1001 }, (_, index) => ({ user_id: `u${index}` }));

    await expect(audiences.addMembers(db, ENV, 'beta', members)).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('at most 1000'),
    });
    expect(await audiences.get(db, ENV, 'beta')).toBeNull();
  });

  it('accepts 1000 members in one call', async () => {
    const { db, audiences } = await openStoreDatabase(engine);
    const members = Array.from({ length: 1000 }, (_, index) => ({ user_id: `u${index}` }));

    expect(await audiences.addMembers(db, ENV, 'beta', members)).toBe(1000);
    expect(await audiences.removeMembers(db, ENV, 'beta', members)).toBe(1000);
  });

  it('names the invalid member', async () => {
    const { db, audiences } = await openStoreDatabase(engine);

    await expect(
      audiences.addMembers(db, ENV, 'beta', [{ user_id: 'u1' }, { user_id: '' }]),
    ).rejects.toMatchObject({
      code: 'validation_failed',
      message: expect.stringContaining('members[1].user_id'),
    });
  });

  it('isolates environments', async () => {
    const { db, audiences } = await openStoreDatabase(engine);
    await audiences.addMembers(db, 'development', 'beta', [{ user_id: 'u1' }]);

    expect(await audiences.get(db, 'production', 'beta')).toBeNull();
    expect((await audiences.members(db, 'production', 'beta')).data).toEqual([]);
  });
});
