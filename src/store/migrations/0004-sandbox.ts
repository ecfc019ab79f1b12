// The sandbox (test mode): every API key and every check is either live or test. A test key makes
// test checks, which only test keys can read and only the sandbox can decide; a live check never
// becomes a test check or the reverse. Existing rows are live. The Idempotency-Key index gains the
// mode, so a test request cannot replay (or block) a live check that used the same key.
import type { Kysely, Migration } from 'kysely';

export function sandbox(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('api_keys').addColumn('mode', 'text', (c) => c.notNull().defaultTo('live')).execute();
      await db.schema.alterTable('liveness_checks').addColumn('mode', 'text', (c) => c.notNull().defaultTo('live')).execute();
      await db.schema.dropIndex('liveness_checks_idempotency').execute();
      await db.schema
        .createIndex('liveness_checks_idempotency')
        .on('liveness_checks')
        .columns(['tenant', 'mode', 'idempotency_key'])
        .unique()
        .execute();
    },
  };
}
