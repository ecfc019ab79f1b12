// `livecheck backup`: a copy of the embedded store taken while the service runs and writes, restored
// the way its help says, answers polls as the original did; refusals write nothing.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKUP_HELP, runBackupCli } from '../src/cli/backup.js';
import { LATEST_MIGRATION } from '../src/store/migrations.js';
import { type TestService, startTestService } from './helpers/service.js';
import { createCheck, read, simulate } from './sandbox/helpers.js';

const run = promisify(execFile);
const BIN = path.resolve('bin/livecheck.js');
const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lc-backup-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function backup(env: Record<string, string>, argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runBackupCli(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, env: { LOG_LEVEL: 'silent', ...env } });
  return { code, stdout, stderr };
}

describe('livecheck backup', () => {
  let t: TestService;
  let key: string;
  beforeAll(async () => {
    t = await startTestService('sqlite');
    key = await t.tenantKey('acme', 'test');
  });
  afterAll(() => t.stop());

  it('copies the running store; the copy, restored with the same key, answers as the original', async () => {
    const decided = await createCheck(t, key, { audit_images: 2, reference: 'before-backup' });
    expect((await simulate(t, key, decided.id, { outcome: 'passed' })).status).toBe(200);
    const open = await createCheck(t, key);
    const original = await read(t, key, decided.token);
    expect(original.status).toBe(200);
    expect((original.body.result as { image?: string }).image).toMatch(/^data:image\/jpeg;base64,/);
    expect((original.body.result as { audit_images?: unknown[] }).audit_images).toHaveLength(2);

    // Checks keep being created by the service while another process, the CLI, takes the copy.
    let writing = true;
    const writer = (async () => {
      let n = 0;
      while (writing) {
        await createCheck(t, key, { reference: `during-${n++}` });
      }
      return n;
    })();
    const out = path.join(scratch(), 'copy.sqlite');
    const env = { ...process.env, LIVECHECK_DATA_DIR: t.store.dataDir, LOG_LEVEL: 'silent' };
    const result = await run('node', [BIN, 'backup', '--out', out, '--json'], { env }).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => e,
    );
    writing = false;
    const during = await writer;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { file: string; bytes: number; checks: number; migration: string };
    expect(report.file).toBe(out);
    expect(report.bytes).toBe(statSync(out).size);
    // A snapshot: everything made before the copy began, and some or none of what came during it.
    expect(report.checks).toBeGreaterThanOrEqual(2);
    expect(report.checks).toBeLessThanOrEqual(2 + during);
    expect(report.migration).toBe(LATEST_MIGRATION);
    expect(during).toBeGreaterThan(0);
    // Readable by its owner only, and no temporary file left beside it.
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(out))).toEqual(['copy.sqlite']);

    const after = await createCheck(t, key, { reference: 'after-backup' });

    // Restore as BACKUP_HELP says: the file in place of livecheck.sqlite, the same encryption key.
    const restoredDir = scratch();
    copyFileSync(out, path.join(restoredDir, 'livecheck.sqlite'));
    copyFileSync(path.join(t.store.dataDir, 'encryption.key'), path.join(restoredDir, 'encryption.key'));
    const restored = await startTestService('sqlite', { clock: t.clock, store: { kind: 'sqlite', dataDir: restoredDir, databaseUrl: undefined, schema: undefined, dispose: async () => undefined } });
    try {
      // Sealed images decrypt, the result is the same, and the key still authenticates.
      expect(await read(restored, key, decided.token)).toEqual(original);
      expect((await read(restored, key, open.token)).status).toBe(202);
      // A check created after the copy is not in it.
      expect((await read(restored, key, after.token)).status).toBe(400);
    } finally {
      await restored.service.close();
    }
  });

  it('refuses an existing file, a missing store, PostgreSQL and a missing --out, writing nothing', async () => {
    const dir = scratch();
    const existing = path.join(dir, 'existing.sqlite');
    writeFileSync(existing, 'keep me');
    const taken = await backup({ LIVECHECK_DATA_DIR: t.store.dataDir }, ['--out', existing]);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/exists/);
    expect(readFileSync(existing, 'utf8')).toBe('keep me');

    const nowhere = path.join(dir, 'no-such-data-dir');
    const missing = await backup({ LIVECHECK_DATA_DIR: nowhere }, ['--out', path.join(dir, 'a.sqlite')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no embedded store/);
    expect(existsSync(nowhere)).toBe(false);

    const postgres = await backup({ LIVECHECK_DATA_DIR: t.store.dataDir, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test' }, ['--out', path.join(dir, 'b.sqlite')]);
    expect(postgres.code).toBe(1);
    expect(postgres.stderr).toMatch(/pg_dump/);

    const noOut = await backup({ LIVECHECK_DATA_DIR: t.store.dataDir }, []);
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toMatch(/--out FILE/);
    expect(readdirSync(dir).sort()).toEqual(['existing.sqlite']);
  });

  it('says what a backup holds and how to restore it', async () => {
    const help = await backup({}, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toBe(BACKUP_HELP);
    expect(BACKUP_HELP).toMatch(/encryption key/i);
    expect(BACKUP_HELP).toMatch(/retention/);
    expect(BACKUP_HELP).toMatch(/livecheck\.sqlite-wal/);
  });
});
