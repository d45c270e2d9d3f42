import type { Tx } from '../db/database.js';

/**
 * Records `sourceTime` as the latest membership change of each recipient in the object, and
 * returns the recipients for which it is not older than the change already applied. One upsert
 * does the check and the write, so concurrent transactions cannot both win.
 */
export async function claimMembershipChanges(
  tx: Tx,
  environment: string,
  collection: string,
  objectId: string,
  recipients: readonly string[],
  sourceTime: string,
): Promise<string[]> {
  if (recipients.length === 0) return [];
  const rows = recipients.map((recipient_id) => ({
    environment,
    collection,
    object_id: objectId,
    recipient_id,
    source_time: sourceTime,
  }));
  const fresh = await tx
    .insertInto('subscription_versions')
    .values(rows)
    .onConflict((conflict) =>
      conflict
        .columns(['environment', 'collection', 'object_id', 'recipient_id'])
        .doUpdateSet((eb) => ({ source_time: eb.ref('excluded.source_time') }))
        .where('subscription_versions.source_time', '<=', sourceTime),
    )
    .returning('recipient_id')
    .execute();
  return fresh.map((row) => row.recipient_id);
}
