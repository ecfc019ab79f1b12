// The review console (src/console): server-side sessions, so that signing out and revoking the key a
// session was opened with end it at once, and an index for the console's newest-first check lists.
import type { Kysely, Migration } from 'kysely';

export function consoleSessions(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('console_sessions')
        // SHA-256 of the cookie's secret: a copy of the table opens no session.
        .addColumn('id_hash', 'text', (c) => c.primaryKey())
        // 'admin' | 'tenant'
        .addColumn('principal', 'text', (c) => c.notNull())
        .addColumn('tenant', 'text')
        // The tenant key the session was opened with (revoking it ends the session); for the admin,
        // the digest of the admin key, so a changed admin key ends admin sessions too.
        .addColumn('credential', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('console_sessions_expires').on('console_sessions').column('expires_at').execute();
      // Keyset pages of one tenant's checks, newest first (the admin's list uses liveness_checks_created).
      await db.schema.createIndex('liveness_checks_tenant_created').on('liveness_checks').columns(['tenant', 'created_at', 'id']).execute();
    },
  };
}
