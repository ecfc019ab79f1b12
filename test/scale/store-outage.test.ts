// PostgreSQL goes away under a running service (a restart, a failover) and comes back: requests
// meanwhile get 503 `unavailable` with Retry-After, never a crash or a hang; /readyz says the store
// is unreachable while /healthz stays up; afterwards the API and the analysis loops carry on alone.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/security/secrets.js';
import { pointRead } from '../../src/store/point-read.js';
import { storeUnavailable } from '../../src/store/unavailable.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { testStore } from '../helpers/stores.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { type Pool, createCheck, expectEnvelope, runSession, startPool, stillFrames } from '../security/session.js';

describe('PostgreSQL outage', () => {
  let pool: Pool;
  let proxy: TcpProxy;
  let t: TestService;
  const store = testStore('postgres');

  beforeAll(async () => {
    pool = await startPool();
    proxy = await new TcpProxy('127.0.0.1', 5432).start();
    const url = new URL(store.databaseUrl ?? '');
    url.port = String(proxy.port);
    t = await startTestService('postgres', { analyzer: pool, store: { ...store, databaseUrl: url.toString() } });
  });
  afterAll(async () => {
    await t?.service.close();
    await proxy?.close();
    await store.dispose();
    await pool?.close();
  });

  it('answers 503 while the store is gone and recovers by itself when it is back', async () => {
    const key = await t.tenantKey('acme');
    const before = await createCheck(t, key);
    expect((await t.request(`/liveness_check?token=${before.token}`, { key })).status).toBe(202);

    await proxy.cut();
    // Each request is answered, quickly, with the envelope and a hint when to come back.
    for (const request of [
      () => t.request(`/liveness_check?token=${before.token}`, { key }),
      () => t.request('/liveness_check', { method: 'POST', key, json: {} }),
      () => t.request(`/liveness_check?token=${before.token}`, { key }),
    ]) {
      const started = Date.now();
      const res = await request();
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      const body = await expectEnvelope(res);
      expect(body.error.code).toBe('unavailable');
      expect(body.error.message).not.toMatch(/ECONN|5432|127\.0\.0\.1/);
    }
    const ready = await t.request('/readyz');
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as { checks: { store: string } }).checks.store).toMatch(/^unreachable/);
    expect((await t.request('/healthz')).status).toBe(200);
    // The worker, the sweeper and webhook delivery keep polling the store meanwhile.
    await new Promise((resolve) => setTimeout(resolve, 3000));

    await proxy.restore();
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (Date.now() < deadline && status !== 202) {
      status = (await t.request(`/liveness_check?token=${before.token}`, { key })).status;
      if (status !== 202) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(status).toBe(202);
    expect((await t.request('/readyz')).status).toBe(200);
    // A whole capture is decided: the analysis worker is back too.
    const session = await runSession(t, key, await stillFrames(8));
    expect(session.result.status).toBe(200);
  }, 120_000);

  it('a poll read the store never answers fails with the timeout and frees its slot; reads resume after', async () => {
    const key = await t.tenantKey('acme');
    const check = await createCheck(t, key);
    const silent = await new TcpProxy('127.0.0.1', 5432).start();
    const url = new URL(store.databaseUrl ?? '');
    url.port = String(silent.port);
    const pgPool = new pg.Pool({ connectionString: url.toString(), max: 4, options: `-c search_path="${store.schema}"` });
    try {
      const read = pointRead<{ id: string }>({ dialect: 'postgres', pool: pgPool }, { many: 'select id, token_hash from liveness_checks where token_hash = any($1)', keyColumn: 'token_hash' }, { timeoutMs: 300 });
      const hash = hashSecret(check.token);
      expect((await read(hash))?.id).toBe(check.id);

      silent.stall();
      const started = Date.now();
      const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
      const reads: Array<Promise<unknown>> = [];
      for (let i = 0; i < 3; i++) {
        reads.push(read(hash));
        await nextTurn();
      }
      const results = await Promise.allSettled(reads);
      // Two ran and timed out; the third waited for a slot and then timed out too, not forever.
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      for (const r of results) expect(storeUnavailable((r as PromiseRejectedResult).reason)).toBe('unreachable');
      expect(Date.now() - started).toBeLessThan(3000);

      silent.resume();
      expect((await read(hash))?.id).toBe(check.id);
    } finally {
      await pgPool.end();
      await silent.close();
    }
  });
});
