// One value sealed with the store's encryption key, so that a process started with another key (a
// second host that generated its own, a restore without the key) refuses to start instead of sealing
// data nobody else can read and failing on everything sealed before (src/security/key-canary.ts).
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function keyCanary(dialect: Dialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('encryption_canary')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('sealed', dialect === 'postgres' ? 'bytea' : 'blob', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
