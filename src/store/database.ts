// Opens the store: embedded SQLite (better-sqlite3, WAL) by default, PostgreSQL when a URL is given.
// Both sit behind one Kysely query builder, so the rest of the code does not know which one it has.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type DatabaseConnection, type Driver, Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, SqliteDriver, sql } from 'kysely';
import pg from 'pg';
import { type Dialect, migrateToLatest } from './migrations.js';
import type { Database } from './schema.js';
import type { NativeHandle } from './point-read.js';
import { isSqliteBusy } from './sqlite-migration-lock.js';
import { cachingStatements } from './sqlite-statements.js';

// Epoch milliseconds live in bigint columns; they fit a double exactly, so read them as numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, for log lines (no credentials). */
  describe: string;
  /** The connection behind `db`, only for the hot-path reads of point-read.ts. */
  native: NativeHandle;
  /**
   * Where to report a pooled connection that broke while idle (PostgreSQL restarted or failed over):
   * the pool drops it and connects again on next use. Never called on SQLite.
   */
  onConnectionError(listener: (error: Error) => void): void;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres://… for PostgreSQL; undefined for SQLite in dataDir. */
  databaseUrl?: string | undefined;
  dataDir: string;
  /** PostgreSQL schema to use (created if missing); lets tests and tenants of a server share a database. */
  schema?: string | undefined;
  poolSize?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** How long a new PostgreSQL connection may take before the request that needed it fails (503). */
const CONNECT_TIMEOUT_MS = 10_000;

export async function openStore(options: StoreOptions): Promise<Store> {
  const store = options.databaseUrl ? await openPostgres(options.databaseUrl, options) : await openSqlite(options.dataDir);
  try {
    await migrateToLatest(store.db as unknown as Kysely<unknown>, store.dialect);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

async function openSqlite(dataDir: string): Promise<Store> {
  // Owner-only: the store holds sealed biometric data, key digests and tenants' references. A new
  // file is created empty with that mode before SQLite opens it; its -wal and -shm files take the
  // database file's mode. Existing directories and files keep theirs.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = path.join(dataDir, 'livecheck.sqlite');
  closeSync(openSync(file, 'a', 0o600));
  const database = new BetterSqlite3(file);
  // WAL lets the CLI read and write the file while the server has it open.
  await enableWal(database);
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new TransactionalDdlSqliteDialect(database, { database: cachingStatements(database) }) });
  return { db, dialect: 'sqlite', describe: `sqlite:${file}`, native: { dialect: 'sqlite', database }, onConnectionError: () => undefined, close: () => db.destroy() };
}

/**
 * Switching a new database file to WAL needs an exclusive lock. When several processes open the same
 * new file at once, all holding a shared lock and each asking for the exclusive one, SQLite refuses
 * all but one at once ("database is locked") instead of waiting, to avoid a deadlock: ask again.
 */
async function enableWal(database: BetterSqlite3.Database): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      database.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (attempt >= 200 || !isSqliteBusy(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 20));
    }
  }
}

/**
 * SQLite rolls DDL back like any other statement, but Kysely's adapter says it cannot, and so runs
 * migrations outside a transaction: a process killed halfway would leave a migration half applied
 * and every later start failing on "already exists". Saying so makes the pending migrations one
 * transaction, all or nothing.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * SQLite ends a transaction by itself on some errors (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM);
 * Kysely's rollback then fails with "no transaction is active", and that error replaced the one
 * that said what happened (a full disk became a 500 instead of a 503). Roll back only what is open.
 */
class RollbackIfOpenSqliteDriver extends SqliteDriver {
  constructor(
    private readonly database: BetterSqlite3.Database,
    config: ConstructorParameters<typeof SqliteDriver>[0],
  ) {
    super(config);
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    if (this.database.inTransaction) await super.rollbackTransaction(connection);
  }
}

class TransactionalDdlSqliteDialect extends SqliteDialect {
  constructor(
    private readonly database: BetterSqlite3.Database,
    private readonly settings: ConstructorParameters<typeof SqliteDialect>[0],
  ) {
    super(settings);
  }

  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }

  override createDriver(): Driver {
    return new RollbackIfOpenSqliteDriver(this.database, this.settings);
  }
}

async function openPostgres(url: string, options: StoreOptions): Promise<Store> {
  const schema = options.schema;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid PostgreSQL schema name ${JSON.stringify(schema)}`);
  }
  if (schema) {
    const setup = new pg.Client({ connectionString: url });
    await setup.connect();
    try {
      // "if not exists" does not stop two processes creating a new schema at the same moment; the
      // one that loses fails on the catalog's unique index, and finds the schema there all the same.
      await setup.query(`create schema if not exists "${schema}"`).catch((error: unknown) => {
        if ((error as { code?: unknown }).code !== '23505') throw error;
      });
    } finally {
      await setup.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    // A connection attempt into a dead network fails instead of holding its request forever, and
    // keepalives let the kernel notice a peer that vanished without closing.
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(schema ? { options: `-c search_path="${schema}"` } : {}),
  });
  // Without a listener, an idle connection closed by the server (a restart, a failover) would be an
  // unhandled 'error' event, and end the process.
  let reportConnectionError: (error: Error) => void = () => undefined;
  pool.on('error', (error) => reportConnectionError(error));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  await sql`select 1`.execute(db);
  const target = new URL(url);
  return {
    db,
    dialect: 'postgres',
    describe: `postgres://${target.host}${target.pathname}${schema ? ` (schema ${schema})` : ''}`,
    native: { dialect: 'postgres', pool },
    onConnectionError: (listener) => {
      reportConnectionError = listener;
    },
    close: () => db.destroy(),
  };
}
