// Scale-out on PostgreSQL: separate API and worker processes, crash safety and migrations under a lock.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import pg from 'pg';
import { freePort } from '../helpers/ports.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraFrame, dataUri, portraitPath } from '../helpers/faces.js';
import { POSTGRES_URL, testStore } from '../helpers/stores.js';

const BIN = path.resolve('bin/livecheck.js');
const ADMIN = 'scale-admin-key-0123456789abcdef';

interface Proc {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function startProcess(role: string, env: Record<string, string>): Promise<Proc> {
  const port = await freePort();
  const child = spawn('node', [BIN, 'serve', '--role', role], {
    env: { ...process.env, ...env, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return { child, url: `http://127.0.0.1:${port}`, output: () => output };
}

async function waitReady(proc: Proc, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`process exited: ${proc.output()}`);
    const ok = await fetch(`${proc.url}/readyz`).then((r) => r.status === 200, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`not ready in time: ${proc.output()}`);
}

describe('many processes on one PostgreSQL', () => {
  const store = testStore('postgres');
  const dataDir = mkdtempSync(path.join(tmpdir(), 'livecheck-scale-'));
  const env = {
    DATABASE_URL: POSTGRES_URL,
    LIVECHECK_DB_SCHEMA: store.schema ?? '',
    LIVECHECK_DATA_DIR: dataDir,
    LIVECHECK_ADMIN_KEY: ADMIN,
    LIVECHECK_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    LIVECHECK_JOB_LEASE_MS: '3000',
  };
  const procs: Proc[] = [];
  let face: Buffer[];
  let blank: Buffer;

  beforeAll(async () => {
    const photo = portraitPath();
    face = await Promise.all(Array.from({ length: 6 }, (_, i) => cameraFrame(photo, i * 2, i)));
    blank = await sharp({ create: { width: 640, height: 480, channels: 3, background: '#5a6e78' } }).jpeg().toBuffer();
  });
  afterAll(async () => {
    for (const p of procs) p.child.kill('SIGKILL');
    await store.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('two processes starting at once apply each migration once', async () => {
    const [a, b] = await Promise.all([startProcess('api', env), startProcess('api', env)]);
    procs.push(a as Proc, b as Proc);
    await Promise.all([waitReady(a as Proc), waitReady(b as Proc)]);
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const { rows } = await client.query(`select name from "${store.schema}".kysely_migration order by name`);
      const names = rows.map((r: { name: string }) => r.name);
      expect(names).toEqual([...new Set(names)]);
      expect(names.length).toBeGreaterThanOrEqual(2);
    } finally {
      await client.end();
    }
  });

  it('2 api + 2 workers, 30 concurrent sessions, a worker SIGKILLed mid-run: each session gets exactly one correct result', async () => {
    const [apiA, apiB] = procs;
    if (!apiA || !apiB) throw new Error('api processes missing');
    const workers = [await startProcess('worker', env), await startProcess('worker', env)];
    procs.push(...workers);
    await Promise.all(workers.map((w) => waitReady(w)));

    const keyRes = await fetch(`${apiA.url}/admin/api_keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'scale' }),
    });
    const { key } = (await keyRes.json()) as { key: string };
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };

    const sessions = Array.from({ length: 30 }, (_, i) => ({ withFace: i % 2 === 0, api: i % 2 === 0 ? apiA : apiB, other: i % 2 === 0 ? apiB : apiA }));
    const run = async (s: (typeof sessions)[number]) => {
      const created = (await (await fetch(`${s.api.url}/liveness_check`, { method: 'POST', headers: auth, body: '{}' })).json()) as { token: string; url: string; id: string };
      const captureId = new URL(created.url).pathname.split('/').pop();
      // Start on one API process, upload through both, finish on the other: they share nothing but the database.
      const start = await fetch(`${s.api.url}/v1/capture/${captureId}/start`, { method: 'POST' });
      expect(start.status).toBe(200);
      const frames = (s.withFace ? face : [blank, blank, blank, blank, blank, blank]).map((jpeg, j) => ({ t: j * 200, step: -1, image: dataUri(jpeg) }));
      for (let j = 0; j < frames.length; j += 2) {
        const target = j % 4 === 0 ? s.api : s.other;
        const res = await fetch(`${target.url}/v1/capture/${captureId}/frames`, { method: 'POST', headers: auth, body: JSON.stringify({ frames: frames.slice(j, j + 2) }) });
        expect(res.status).toBe(202);
      }
      expect((await fetch(`${s.other.url}/v1/capture/${captureId}/finish`, { method: 'POST' })).status).toBe(202);
      return { ...s, ...created };
    };
    const created = await Promise.all(sessions.map(run));

    // Kill a worker while the analyses run.
    await new Promise((r) => setTimeout(r, 1500));
    workers[0]?.child.kill('SIGKILL');

    const results = await Promise.all(
      created.map(async (c) => {
        const deadline = Date.now() + 150_000;
        for (;;) {
          const res = await fetch(`${c.api.url}/liveness_check?token=${c.token}`, { headers: auth });
          if (res.status === 200) return { c, body: (await res.json()) as { status: string; result: { passed: boolean; failure_reason?: string; bounding_box?: object } } };
          expect(res.status).toBe(202);
          if (Date.now() > deadline) throw new Error(`no result for ${c.id}`);
          await new Promise((r) => setTimeout(r, 300));
        }
      }),
    );
    for (const { c, body } of results) {
      expect(body.result.passed).toBe(false);
      if (c.withFace) {
        expect(body.status).toBe('complete');
        expect(body.result.bounding_box).toBeDefined();
      } else {
        expect(body.status).toBe('failed');
        expect(body.result.failure_reason).toBe('no_face');
      }
      // A result once read never changes.
      const again = (await (await fetch(`${c.other.url}/liveness_check?token=${c.token}`, { headers: auth })).json()) as unknown;
      expect(again).toEqual(body);
    }
    // Exactly one terminal event per check: no check got two results.
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    try {
      const { rows } = await client.query(`select check_id, count(*)::int as n from "${store.schema}".webhook_events group by check_id`);
      expect(rows).toHaveLength(30);
      for (const row of rows as Array<{ n: number }>) expect(row.n).toBe(1);
      const jobs = await client.query(`select count(*)::int as n from "${store.schema}".jobs where kind = 'analyse_check'`);
      expect(jobs.rows[0]?.n).toBe(0);
    } finally {
      await client.end();
    }
  }, 240_000);
});
