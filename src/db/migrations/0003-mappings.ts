import type { Kysely, Migration } from 'kysely';
import type { DatabaseKind } from '../database.js';

export function mappingsAndActionLogs(kind: DatabaseKind): Migration {
  void kind;
  return {
    async up(db: Kysely<any>) {
      void db;
    },
  };
}
