// The CLI and `npm start` as a newcomer runs them: a real process on a fresh data directory.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './helpers/ports.js';
import { startTestService } from './helpers/service.js';
import { testStore } from './helpers/stores.js';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = path.resolve('bin/livecheck.js');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function dataDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'livecheck-cli-'));
  dirs.push(dir);
  return dir;
}

async function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; saw:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve(seen);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}; saw:\n${seen}`));
    });
  });
}

describe('livecheck CLI', () => {
  it('keys create/list/revoke work on the embedded store', async () => {
    const env = { ...process.env, LIVECHECK_DATA_DIR: dataDir() };
    const created = JSON.parse((await run('node', [BIN, 'keys', 'create', '--tenant', 'acme', '--json'], { env })).stdout) as { id: string; key: string; tenant: string };
    expect(created.key).toMatch(/^lc_[A-Za-z0-9]{40}$/);
    const listed = JSON.parse((await run('node', [BIN, 'keys', 'list', '--json'], { env })).stdout) as { keys: Array<{ id: string; revoked_at: string | null }> };
    expect(listed.keys).toEqual([expect.objectContaining({ id: created.id, revoked_at: null })]);
    await run('node', [BIN, 'keys', 'revoke', created.id], { env });
    const after = JSON.parse((await run('node', [BIN, 'keys', 'list', '--json'], { env })).stdout) as { keys: Array<{ revoked_at: string | null }> };
    expect(after.keys[0]?.revoked_at).not.toBeNull();
  });

  it('keys create/list/revoke work on PostgreSQL, and the server takes the key', async () => {
    const store = testStore('postgres');
    try {
      const env = { ...process.env, LIVECHECK_DATA_DIR: store.dataDir, DATABASE_URL: store.databaseUrl, LIVECHECK_DB_SCHEMA: store.schema };
      const { stdout } = await run('node', [BIN, 'keys', 'create', '--tenant', 'acme'], { env });
      expect(stdout).toMatch(/^Created API key key_\S+ for tenant acme\. It is shown once:/);
      const key = /lc_[A-Za-z0-9]{40}/.exec(stdout)?.[0] ?? '';
      expect(key).not.toBe('');
      // The key went to PostgreSQL, not to an embedded file next to it.
      expect(existsSync(path.join(store.dataDir, 'livecheck.sqlite'))).toBe(false);
      const listed = JSON.parse((await run('node', [BIN, 'keys', 'list', '--json'], { env })).stdout) as { keys: Array<{ id: string; tenant: string; revoked_at: string | null }> };
      expect(listed.keys).toEqual([expect.objectContaining({ tenant: 'acme', revoked_at: null })]);

      // An API-only server (no models) on the same schema accepts the key, and refuses it once revoked.
      const t = await startTestService('postgres', { store, env: { LIVECHECK_ROLE: 'api' } });
      try {
        const create = () => t.request('/liveness_check', { method: 'POST', key, json: {} });
        expect((await create()).status).toBe(201);
        await run('node', [BIN, 'keys', 'revoke', listed.keys[0]?.id ?? ''], { env });
        // Another process sees a revocation once its short auth cache (5 s) has lapsed.
        t.clock.advance(5_001);
        expect((await create()).status).toBe(401);
      } finally {
        await t.service.close();
      }
    } finally {
      await store.dispose();
    }
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    // Refused before any model loads, not at listen.
    [{ HOST: 'http://0.0.0.0' }, 'HOST'],
    [{ LIVECHECK_PUBLIC_URL: 'https://verify.example.com/?tenant=acme' }, 'LIVECHECK_PUBLIC_URL'],
  ])('a bad setting (%j) stops with a message naming it, and exit code 1', async (bad, name) => {
    const error = await run('node', [BIN, 'serve'], { env: { ...process.env, ...bad, LIVECHECK_DATA_DIR: dataDir() } }).catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr).toMatch(new RegExp(`^configuration error: ${name}\\b`));
  });

  it('tenants erase deletes a tenant only with --yes', async () => {
    const env = { ...process.env, LIVECHECK_DATA_DIR: dataDir() };
    await run('node', [BIN, 'keys', 'create', '--tenant', 'acme'], { env });
    await run('node', [BIN, 'keys', 'create', '--tenant', 'globex'], { env });
    const unsure = await run('node', [BIN, 'tenants', 'erase', 'acme'], { env }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(unsure.code).toBe(1);
    expect(unsure.stderr).toContain('--yes');
    const keysOf = async () => (JSON.parse((await run('node', [BIN, 'keys', 'list', '--json'], { env })).stdout) as { keys: Array<{ tenant: string }> }).keys.map((k) => k.tenant).sort();
    expect(await keysOf()).toEqual(['acme', 'globex']);
    const erased = JSON.parse((await run('node', [BIN, 'tenants', 'erase', 'acme', '--yes', '--json'], { env })).stdout) as Record<string, unknown>;
    expect(erased).toEqual({ tenant: 'acme', api_keys: 1, checks: 0, webhook_endpoints: 0, webhook_events: 0, settings: 0, console_sessions: 0 });
    expect(await keysOf()).toEqual(['globex']);
  }, 60_000);

  it('unknown commands print help and exit 1', async () => {
    const error = await run('node', [BIN, 'frobnicate']).catch((e: { code: number; stderr: string }) => e);
    expect(error).toMatchObject({ code: 1 });
    expect((error as { stderr: string }).stderr).toContain('Usage');
  });

  it('serve starts on a fresh directory, prints an admin key once, takes a key from the CLI, and stops on SIGTERM', async () => {
    const dir = dataDir();
    const port = await freePort();
    const env = { ...process.env, LIVECHECK_DATA_DIR: dir, PORT: String(port), LIVECHECK_ADMIN_KEY: '', LOG_LEVEL: 'info' };
    const child = spawn('node', [BIN, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const output = await waitForOutput(child, /lcadmin_[A-Za-z0-9]{40}[\s\S]*keys create/);
      const adminKey = /lcadmin_[A-Za-z0-9]{40}/.exec(output)?.[0];
      const base = `http://127.0.0.1:${port}`;
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const keyRes = await fetch(`${base}/admin/api_keys`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenant: 'acme' }),
      });
      expect(keyRes.status).toBe(201);
      // The CLI writes to the same SQLite file while the server runs (WAL).
      const cliKey = JSON.parse((await run('node', [BIN, 'keys', 'create', '--tenant', 'beta', '--json'], { env })).stdout) as { key: string };
      const check = await fetch(`${base}/liveness_check`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cliKey.key}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(check.status).toBe(201);
      expect(output).not.toContain(cliKey.key);
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
