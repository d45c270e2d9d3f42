import type { Db, Tx } from '../db/database.js';

/** A database or an open transaction: store methods run on whichever the caller passes. */
export type Executor = Db | Tx;

/**
 * Runs `work` inside the caller's transaction when `executor` is one, or else in a new
 * transaction, so a store method's reads and writes always commit together.
 */
export async function inTransaction<T>(
  executor: Executor,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  if (executor.isTransaction) return work(executor as Tx);
  return executor.transaction().execute(work);
}
