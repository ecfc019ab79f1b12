// Retention and accountability: indexes the sweeper needs to delete whole checks and probe images
// on time, an index to erase a check's webhook events, and the audit log of admin actions and
// check lifecycle changes (who did what to which id; never images, secrets or references).
import type { Kysely, Migration } from 'kysely';

export function retentionAudit(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Whole checks are purged by age (LIVECHECK_RESULT_TTL), probe images by completion time.
      await db.schema.createIndex('liveness_checks_created').on('liveness_checks').column('created_at').execute();
      await db.schema.createIndex('liveness_checks_completed').on('liveness_checks').column('completed_at').execute();
      // Erasure deletes a check's events (their deliveries cascade).
      await db.schema.createIndex('webhook_events_check').on('webhook_events').column('check_id').execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        // admin | tenant:<name> | capture (the holder of a capture link) | system
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        // A check id or API key id; never a token, capture id or key.
        .addColumn('subject', 'text')
        // JSON of non-personal detail (an attempt number, a status); never images or references.
        .addColumn('details', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').columns(['at', 'id']).execute();
      await db.schema.createIndex('audit_log_subject').on('audit_log').column('subject').execute();
    },
  };
}
