// The first whole capability: keys, checks, capture frames, retained images and durable jobs.
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from './dialect.js';

export function initial(dialect: Dialect): Migration {
  const bytes = dialect === 'postgres' ? 'bytea' : 'blob';
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('key_hint', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
      await db.schema.createIndex('api_keys_tenant').on('api_keys').column('tenant').execute();

      await db.schema
        .createTable('admin_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('key_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('liveness_checks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant', 'text', (c) => c.notNull())
        .addColumn('api_key_id', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('capture_hash', 'text', (c) => c.notNull().unique())
        .addColumn('token_sealed', bytes, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('options', 'text', (c) => c.notNull())
        .addColumn('reference', 'text')
        .addColumn('idempotency_key', 'text')
        .addColumn('request_hash', 'text')
        .addColumn('challenge', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('frame_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('result', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('started_at', 'bigint')
        .addColumn('finished_at', 'bigint')
        .addColumn('completed_at', 'bigint')
        .addColumn('images_expire_at', 'bigint')
        .execute();
      // Same Idempotency-Key from the same tenant finds the first check instead of making a second.
      await db.schema
        .createIndex('liveness_checks_idempotency')
        .on('liveness_checks')
        .columns(['tenant', 'idempotency_key'])
        .unique()
        .execute();
      // The sweeper looks for open checks past expiry and audit images past retention.
      await db.schema.createIndex('liveness_checks_open_expiry').on('liveness_checks').columns(['status', 'expires_at']).execute();
      await db.schema.createIndex('liveness_checks_images_expiry').on('liveness_checks').column('images_expire_at').execute();

      await db.schema
        .createTable('capture_frames')
        .addColumn('check_id', 'text', (c) => c.notNull().references('liveness_checks.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('t', 'integer', (c) => c.notNull())
        .addColumn('step', 'integer', (c) => c.notNull())
        .addColumn('image_sealed', bytes, (c) => c.notNull())
        .addColumn('observation_sealed', bytes)
        .addColumn('received_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('capture_frames_pk', ['check_id', 'seq'])
        .execute();

      await db.schema
        .createTable('check_images')
        .addColumn('check_id', 'text', (c) => c.notNull().references('liveness_checks.id').onDelete('cascade'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('image_sealed', bytes, (c) => c.notNull())
        .addColumn('bounding_box', 'text', (c) => c.notNull())
        .addColumn('captured_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('check_images_pk', ['check_id', 'kind', 'position'])
        .execute();

      await db.schema
        .createTable('jobs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('check_id', 'text', (c) => c.notNull())
        .addColumn('run_at', 'bigint', (c) => c.notNull())
        .addColumn('locked_until', 'bigint')
        .addColumn('locked_by', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      // One pending job of a kind per check: enqueueing twice is a no-op.
      await db.schema.createIndex('jobs_kind_check').on('jobs').columns(['kind', 'check_id']).unique().execute();
      await db.schema.createIndex('jobs_due').on('jobs').columns(['run_at']).execute();
    },
  };
}
