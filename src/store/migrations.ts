// Versioned migrations, applied in order at start-up under a lock (Kysely's advisory lock on
// PostgreSQL; on SQLite, where Kysely's is a no-op, an exclusive lock on a file beside the database:
// see sqlite-migration-lock.ts), so that processes starting together apply each once.
// Kysely's migrator refuses to run out of order. Each migration file says why it exists.
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { initial } from './migrations/0001-initial.js';
import { webhooks } from './migrations/0002-webhooks.js';
import { retentionAudit } from './migrations/0003-retention-audit.js';
import { sandbox } from './migrations/0004-sandbox.js';
import { tenantSettings } from './migrations/0005-tenant-settings.js';
import { consoleSessions } from './migrations/0007-console-sessions.js';
import { frameRetries } from './migrations/0008-frame-retries.js';
import { keyCanary } from './migrations/0009-key-canary.js';
import type { Dialect } from './migrations/dialect.js';
import { withSqliteMigrationLock } from './sqlite-migration-lock.js';

export type { Dialect } from './migrations/dialect.js';

function migrationsFor(dialect: Dialect): Record<string, Migration> {
  return {
    '0001_initial': initial(dialect),
    '0002_webhooks': webhooks(dialect),
    '0003_retention_audit': retentionAudit(),
    '0004_sandbox': sandbox(),
    '0005_tenant_settings': tenantSettings(dialect),
    '0007_console_sessions': consoleSessions(),
    '0008_frame_retries': frameRetries(),
    '0009_key_canary': keyCanary(dialect),
  };
}

class StaticProvider implements MigrationProvider {
  constructor(private readonly dialect: Dialect) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrationsFor(this.dialect);
  }
}

// The name of the newest migration, for the readiness check; names sort in the order they run.
export const LATEST_MIGRATION = Object.keys(migrationsFor('sqlite')).sort().at(-1) ?? '';

export async function migrateToLatest(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const file = dialect === 'sqlite' ? await sqliteMainFile(db) : '';
  // An in-memory database (no file) has no other process to wait for.
  if (file) await withSqliteMigrationLock(file, () => migrateUnlocked(db, dialect));
  else await migrateUnlocked(db, dialect);
}

async function migrateUnlocked(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // Unless told the schema, Kysely looks for its bookkeeping tables in every schema of the
  // database: with another livecheck schema (or a parallel test) present it would skip creating
  // its own and fail with 'relation "kysely_migration_lock" does not exist'.
  const schema = dialect === 'postgres' ? (await sql<{ name: string }>`select current_schema() as name`.execute(db)).rows[0]?.name : undefined;
  const migrator = new Migrator({ db, provider: new StaticProvider(dialect), ...(schema ? { migrationTableSchema: schema } : {}) });
  let { error, results } = await migrator.migrateToLatest();
  // Kysely's bookkeeping introspects the tables of every schema in the database; a schema dropped
  // meanwhile by someone else (another livecheck, a test) fails that scan. Nothing was applied then
  // (the scan comes first), so look again, a bounded number of times.
  for (let retry = 0; retry < 3 && error !== undefined && droppedElsewhere(error, schema); retry++) {
    ({ error, results } = await migrator.migrateToLatest());
  }
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    const cause = error instanceof Error ? error.message : String(error ?? '');
    throw new Error(`database migration ${failed?.migrationName ?? ''} failed: ${cause}`);
  }
}

async function sqliteMainFile(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ name: string; file: string }>`pragma database_list`.execute(db);
  return rows.find((r) => r.name === 'main')?.file ?? '';
}

/** Whether the error names a missing schema other than ours: one dropped during the catalog scan. */
function droppedElsewhere(error: unknown, ours: string | undefined): boolean {
  const missing = error instanceof Error ? /schema "([^"]+)" does not exist/.exec(error.message)?.[1] : undefined;
  return missing !== undefined && missing !== ours;
}
