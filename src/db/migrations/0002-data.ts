import type { Kysely, Migration } from 'kysely';
import type { DatabaseKind } from '../database.js';

export function recipientData(kind: DatabaseKind): Migration {
  void kind;
  return {
    async up(db: Kysely<any>) {
      void db;
    },
  };
}
