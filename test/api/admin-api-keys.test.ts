import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
});
afterAll(() => analyzer.close());

describe.each(STORE_KINDS)('admin API keys on %s', (kind) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer });
  });
  afterAll(() => t.stop());

  describe('happy', () => {
    it('creates a key shown once, lists it by hint, and revokes it', async () => {
      const res = await t.request('/admin/api_keys', { method: 'POST', key: ADMIN_KEY, json: { tenant: 'acme' } });
      expect(res.status).toBe(201);
      const created = (await res.json()) as { id: string; tenant: string; key: string };
      expect(created.tenant).toBe('acme');
      expect(created.key).toMatch(/^lc_[A-Za-z0-9]{40}$/);

      const list = (await (await t.request('/admin/api_keys?tenant=acme', { key: ADMIN_KEY })).json()) as { keys: Array<Record<string, unknown>> };
      const listed = list.keys.find((k) => k.id === created.id);
      expect(listed).toMatchObject({ tenant: 'acme', key_hint: created.key.slice(-4), revoked_at: null });
      expect(JSON.stringify(list)).not.toContain(created.key);

      const check = await t.request('/liveness_check', { method: 'POST', key: created.key, json: {} });
      expect(check.status).toBe(201);

      expect((await t.request(`/admin/api_keys/${created.id}`, { method: 'DELETE', key: ADMIN_KEY })).status).toBe(204);
      const after = await t.request('/liveness_check', { method: 'POST', key: created.key, json: {} });
      expect(after.status).toBe(401);
    });

    it('stores only a hash of the key', async () => {
      const key = await t.tenantKey('hashcheck');
      const rows = await t.service.store.db.selectFrom('api_keys').selectAll().execute();
      expect(JSON.stringify(rows)).not.toContain(key);
    });
  });

  describe('error', () => {
    it('rejects a bad tenant name and unknown fields with the envelope', async () => {
      for (const json of [{ tenant: '' }, { tenant: 'a b' }, {}, { tenant: 'ok', extra: 1 }]) {
        const res = await t.request('/admin/api_keys', { method: 'POST', key: ADMIN_KEY, json });
        expect(res.status).toBe(400);
        const body = (await res.json()) as { error: { code: string; message: string; request_id: string } };
        expect(body.error.code).toBe('invalid_request');
        expect(body.error.request_id).toMatch(/^req_/);
      }
    });

    it('revoking an unknown key is 404', async () => {
      const res = await t.request('/admin/api_keys/key_nope', { method: 'DELETE', key: ADMIN_KEY });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    });
  });

  describe('security', () => {
    it('needs the admin key: missing or wrong is 401, a tenant key is 401', async () => {
      const tenant = await t.tenantKey('sec');
      for (const key of [undefined, 'wrong', tenant, `${ADMIN_KEY}x`]) {
        const res = await t.request('/admin/api_keys', { method: 'POST', json: { tenant: 'x' }, ...(key ? { key } : {}) });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
      }
    });
  });
});

describe.each(STORE_KINDS)('admin key bootstrap on %s', (kind) => {
  it('generates an admin key once when none is configured and the store is empty', async () => {
    const printed: string[] = [];
    const first = await startTestService(kind, { analyzer, env: { LIVECHECK_ADMIN_KEY: '' }, onAdminKeyCreated: (k) => printed.push(k) });
    try {
      expect(printed).toHaveLength(1);
      const res = await first.request('/admin/api_keys', { method: 'POST', key: printed[0], json: { tenant: 'boot' } });
      expect(res.status).toBe(201);
    } finally {
      await first.service.close();
    }
    const second = await startTestService(kind, { analyzer, store: first.store, env: { LIVECHECK_ADMIN_KEY: '' }, onAdminKeyCreated: (k) => printed.push(k) });
    try {
      expect(printed).toHaveLength(1);
    } finally {
      await second.service.close();
      await first.store.dispose();
    }
  });
});
