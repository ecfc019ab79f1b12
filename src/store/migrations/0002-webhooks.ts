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
        // JSON list of {secret, expires_at} (whsec_…), newest first, sealed: all unexpired ones sign
        // during a rotation, so receivers can switch secrets without missing an event.
        .addColumn('secrets_sealed', bytes, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        // Deleting an endpoint keeps the row (and its delivery log) and stops delivering to it.
        .addColumn('disabled_at', 'bigint')
        .execute();
      await db.schema.createIndex('webhook_endpoints_tenant').on('webhook_endpoints').column('tenant').execute();

      // A check's own webhook_url has no endpoint row: it is signed with its tenant's secret,
      // created on first use, in the same sealed list format as an endpoint's.
      await db.schema
        .createTable('tenant_webhook_secrets')
        .addColumn('tenant', 'text', (c) => c.primaryKey())
        .addColumn('secrets_sealed', bytes, (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('rotated_at', 'bigint')
        .execute();

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

      // One row per event and target, leased like a job: the delivery log and the retry queue at once.
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull().references('webhook_events.id').onDelete('cascade'))
        .addColumn('tenant', 'text', (c) => c.notNull())
        // The endpoint id, or 'check_url' for the check's own webhook_url.
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('endpoint_id', 'text')
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'bigint')
        .addColumn('locked_until', 'bigint')
        .addColumn('locked_by', 'text')
        .addColumn('last_attempt_at', 'bigint')
        .addColumn('last_status_code', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('delivered_at', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // Fanning an event out twice (two dispatchers, a retried transaction) adds no second delivery.
      await db.schema.createIndex('webhook_deliveries_event_target').on('webhook_deliveries').columns(['event_id', 'target']).unique().execute();
      await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
      await db.schema.createIndex('webhook_deliveries_endpoint').on('webhook_deliveries').columns(['endpoint_id', 'created_at']).execute();
      await db.schema.createIndex('webhook_deliveries_tenant').on('webhook_deliveries').columns(['tenant', 'created_at']).execute();
    },
  };
}
