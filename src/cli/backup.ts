// `livecheck backup`: a consistent copy of the embedded store while the service runs.
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { BackupRefused, type SqliteBackupReport, backupSqlite } from '../store/sqlite-backup.js';

export interface BackupCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  env: Record<string, string | undefined>;
}

export const BACKUP_HELP = `Usage: livecheck backup --out FILE [--json]

Copies the embedded store (LIVECHECK_DATA_DIR/livecheck.sqlite) to FILE, a new file, while the
service runs: one consistent snapshot, compacted, checked with SQLite's integrity check, readable by
its owner only. Writes go on meanwhile and are not in the copy.

What a backup is not:
  - It holds no key. Sealed data (tokens, frames, probe and audit images, webhook secrets) reads only
    with the same LIVECHECK_ENCRYPTION_KEY (or the data directory's encryption.key): keep the key
    apart from the backups.
  - It is not covered by retention. Results and images in it outlive LIVECHECK_RESULT_TTL and the
    image TTLs: rotate backups within your retention period, or retention is moot.
  - PostgreSQL (DATABASE_URL set) is backed up with PostgreSQL's tools: pg_dump --schema=SCHEMA,
    or your provider's snapshots.

Restore: stop the service, put FILE in place of LIVECHECK_DATA_DIR/livecheck.sqlite, delete
livecheck.sqlite-wal and livecheck.sqlite-shm beside it, start with the same encryption key.

Exit codes: 0 copied, 1 usage or configuration error (nothing written), 3 the copy failed (nothing left).

Example:
  npx livecheck backup --out /backups/livecheck-$(date +%F).sqlite
`;

export async function runBackupCli(argv: string[], io: BackupCliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, strict: true });
  if (values.help) {
    io.stdout.write(BACKUP_HELP);
    return 0;
  }
  if (!values.out) {
    io.stderr.write(`backup needs --out FILE\n\n${BACKUP_HELP}`);
    return 1;
  }
  const config = loadConfig(io.env);
  if (config.databaseUrl) {
    io.stderr.write('DATABASE_URL is set: back up PostgreSQL with its own tools (pg_dump --schema=SCHEMA, or snapshots); `livecheck backup` copies the embedded store\n');
    return 1;
  }
  let report: SqliteBackupReport;
  try {
    report = backupSqlite(config.dataDir, values.out);
  } catch (error) {
    if (error instanceof BackupRefused) {
      io.stderr.write(`${error.message}\n`);
      return 1;
    }
    io.stderr.write(`backup failed, nothing was left behind: ${error instanceof Error ? error.message : String(error)}\n`);
    return 3;
  }
  if (values.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else {
    io.stdout.write(
      `Backed up ${report.checks} check(s), ${(report.bytes / 1_048_576).toFixed(1)} MiB, migrations to ${report.migration ?? 'none'}, to ${report.file}.\n` +
        'The encryption key is not in it: the copy reads only with the same LIVECHECK_ENCRYPTION_KEY (or encryption.key).\n',
    );
  }
  return 0;
}
