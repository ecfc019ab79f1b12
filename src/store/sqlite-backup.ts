// A consistent copy of the embedded store, taken while the service runs: `VACUUM INTO` reads one
// snapshot (writers carry on in the WAL) and writes a compact file, checked before it is named.
import { closeSync, existsSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/** The embedded store's file in a data directory (see openStore). */
export function sqliteStoreFile(dataDir: string): string {
  return path.join(dataDir, 'livecheck.sqlite');
}

export interface SqliteBackupReport {
  file: string;
  bytes: number;
  checks: number;
  /** The newest migration in the copy: a restore needs a livecheck at least this new. */
  migration: string | undefined;
}

export class BackupRefused extends Error {}

/**
 * Copies the store in `dataDir` to `out`, which must not exist. The copy is written under a
 * temporary name, readable by its owner only (it holds sealed biometric data and key digests),
 * checked with `integrity_check`, and only then renamed to `out`; on any failure nothing is left.
 */
export function backupSqlite(dataDir: string, out: string): SqliteBackupReport {
  const source = sqliteStoreFile(dataDir);
  if (!existsSync(source)) throw new BackupRefused(`no embedded store at ${source}: check LIVECHECK_DATA_DIR`);
  if (existsSync(out)) throw new BackupRefused(`${out} exists: give a new file name (a backup never overwrites)`);
  const partial = `${out}.partial-${process.pid}`;
  // VACUUM INTO accepts an empty file: creating it first sets its mode before any data is in it.
  closeSync(openSync(partial, 'wx', 0o600));
  try {
    const database = new BetterSqlite3(source, { fileMustExist: true });
    try {
      database.pragma('busy_timeout = 5000');
      database.prepare('vacuum into ?').run(partial);
    } finally {
      database.close();
    }
    const report = inspectCopy(partial);
    renameSync(partial, out);
    return { ...report, file: out };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  }
}

function inspectCopy(file: string): SqliteBackupReport {
  const copy = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const integrity = copy.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new Error(`the copy failed SQLite's integrity check: ${String(integrity)}`);
    const checks = (copy.prepare('select count(*) as n from liveness_checks').get() as { n: number }).n;
    const migration = (copy.prepare('select max(name) as name from kysely_migration').get() as { name: string | null }).name ?? undefined;
    return { file, bytes: statSync(file).size, checks, migration };
  } finally {
    copy.close();
  }
}
