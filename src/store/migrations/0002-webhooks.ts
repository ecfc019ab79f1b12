// Webhooks: tenant endpoints with their own signing secrets, an outbox of events written in the
// same transaction as the status change (a crash loses none), and deliveries with their attempts.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function webhooks(dialect: Dialect): Migration {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('url', 'text', (c) => c.notNull())
        // JSON list of whsec_ secrets, newest first, sealed: all sign during a rotation.
        .addColumn('secrets_sealed', bytes, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled_at', 'bigint')
        .execute();
      await db.schema.createIndex('webhook_endpoints_tenant').on('webhook_endpoints').column('tenant').execute();

      await db.schema
        .createTable('webhook_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('check_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        // Set once the event has been fanned out into deliveries.
        .addColumn('dispatched_at', 'bigint')
        .execute();
      await db.schema.createIndex('webhook_events_undispatched').on('webhook_events').column('dispatched_at').execute();
    },
  };
}
