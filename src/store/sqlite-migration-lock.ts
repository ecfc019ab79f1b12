// Kysely's migration lock is a no-op on SQLite, yet the server and the CLI share one database file.
// Processes take turns through an exclusive transaction on a small file beside it: an fcntl lock
// that ends with its process, so a crash leaves no stale lock. A separate file, because holding the
// WAL database's own write lock would shut out the migrations we are waiting to run.
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

const LOCK_FILE = 'livecheck.migrate-lock';
const WAIT_LIMIT_MS = 120_000;
const POLL_MS = 25;

/** Runs `fn` holding the migration lock of the SQLite database in `databaseFile`. */
export async function withSqliteMigrationLock<T>(databaseFile: string, fn: () => Promise<T>): Promise<T> {
  const lockFile = path.join(path.dirname(databaseFile), LOCK_FILE);
  // No busy timeout: better-sqlite3 would wait synchronously, stalling this process's event loop and
  // so any holder inside this same process. Poll asynchronously instead.
  const lock = new BetterSqlite3(lockFile, { timeout: 0 });
  try {
    const deadline = Date.now() + WAIT_LIMIT_MS;
    while (!tryBeginExclusive(lock)) {
      if (Date.now() > deadline) throw new Error(`waited ${WAIT_LIMIT_MS / 1000} s for the migration lock ${lockFile}: another livecheck is still migrating, or stuck`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    try {
      return await fn();
    } finally {
      lock.exec('ROLLBACK');
    }
  } finally {
    lock.close();
  }
}

function tryBeginExclusive(lock: BetterSqlite3.Database): boolean {
  try {
    lock.exec('BEGIN EXCLUSIVE');
    return true;
  } catch (error) {
    if (isSqliteBusy(error)) return false;
    throw error;
  }
}

/** SQLite refused a lock (SQLITE_BUSY and its extended codes): asking again later may work. */
export function isSqliteBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}
