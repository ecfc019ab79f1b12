// The admin API for webhook endpoints, tenant secrets and deliveries: happy, error and security cases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { type Endpoint, createEndpoint } from './helpers.js';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
});
afterAll(() => analyzer.close());

interface ErrorBody {
  error: { code: string; message: string; request_id: string };
}

describe.each(STORE_KINDS)('admin webhooks on %s', (kind) => {
  let t: TestService;
  beforeAll(async () => {
    // Private targets refused (the default): creation must catch private IP literals.
    t = await startTestService(kind, { analyzer, runJobs: false });
  });
  afterAll(() => t.stop());

  const list = async (tenant?: string) =>
    ((await (await t.request(`/admin/webhook_endpoints${tenant ? `?tenant=${tenant}` : ''}`, { key: ADMIN_KEY })).json()) as { endpoints: Array<Record<string, unknown>> })
      .endpoints;

  describe('happy', () => {
    it('creates an endpoint with a whsec_ secret shown once, lists it without secrets, deletes it', async () => {
      const created = await createEndpoint(t, 'acme', 'https://hooks.example.com/livecheck');
      expect(created.id).toMatch(/^we_[0-9a-f]{32}$/);
      expect(created).toMatchObject({ tenant: 'acme', url: 'https://hooks.example.com/livecheck' });
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(Buffer.from(created.secret.slice(6), 'base64')).toHaveLength(32);

      const listed = await list('acme');
      expect(listed).toContainEqual({ id: created.id, tenant: 'acme', url: created.url, created_at: created.created_at });
      expect(JSON.stringify(listed)).not.toContain(created.secret);

      expect((await t.request(`/admin/webhook_endpoints/${created.id}`, { method: 'DELETE', key: ADMIN_KEY })).status).toBe(204);
      expect((await list('acme')).map((e) => e.id)).not.toContain(created.id);
      // Its (empty) delivery log stays readable after deletion.
      const log = await t.request(`/admin/webhook_endpoints/${created.id}/deliveries`, { key: ADMIN_KEY });
      expect(log.status).toBe(200);
      expect(await log.json()).toEqual({ deliveries: [] });
    });

    it('writes every webhook admin action to the audit log, without URLs or secrets', async () => {
      const created = await createEndpoint(t, 'audited', 'https://hooks.example.com/audited?k=v');
      expect((await t.request(`/admin/webhook_endpoints/${created.id}/rotate_secret`, { method: 'POST', key: ADMIN_KEY })).status).toBe(200);
      expect((await t.request(`/admin/webhook_endpoints/${created.id}`, { method: 'DELETE', key: ADMIN_KEY })).status).toBe(204);
      expect((await t.request('/admin/tenants/audited/webhook_secret', { key: ADMIN_KEY })).status).toBe(200);
      expect((await t.request('/admin/tenants/audited/webhook_secret', { method: 'POST', key: ADMIN_KEY })).status).toBe(200);
      const audit = async (subject: string) => {
        const res = await t.request(`/admin/audit_log?subject=${subject}`, { key: ADMIN_KEY });
        return ((await res.json()) as { entries: Array<{ actor: string; action: string; details: unknown }> }).entries;
      };
      const endpointEntries = await audit(created.id);
      expect(endpointEntries.map((e) => e.action).sort()).toEqual(['webhook_endpoint.create', 'webhook_endpoint.delete', 'webhook_endpoint.rotate_secret']);
      expect(endpointEntries.every((e) => e.actor === 'admin')).toBe(true);
      expect((await audit('audited')).map((e) => e.action).sort()).toEqual(['tenant_webhook_secret.read', 'tenant_webhook_secret.rotate']);
      const text = JSON.stringify([...endpointEntries, ...(await audit('audited'))]);
      expect(text).not.toContain('whsec_');
      expect(text).not.toContain('hooks.example.com');
    });

    it('stores the secrets sealed, never in clear', async () => {
      const created = await createEndpoint(t, 'sealed', 'https://hooks.example.com/sealed');
      const tenantSecret = (await (await t.request('/admin/tenants/sealed/webhook_secret', { key: ADMIN_KEY })).json()) as { secret: string };
      const rows = [
        ...(await t.service.store.db.selectFrom('webhook_endpoints').selectAll().execute()),
        ...(await t.service.store.db.selectFrom('tenant_webhook_secrets').selectAll().execute()),
      ];
      const dump = rows.map((r) => `${JSON.stringify({ ...r, secrets_sealed: undefined })} ${Buffer.from(r.secrets_sealed).toString('latin1')}`).join('\n');
      for (const secret of [created.secret, tenantSecret.secret]) {
        expect(dump).not.toContain(secret);
        expect(dump).not.toContain(secret.slice(6));
        expect(dump).not.toContain(Buffer.from(secret.slice(6), 'base64').toString('latin1'));
      }
    });

    it('rotates an endpoint secret: a new whsec_, the old one valid for 24 h more', async () => {
      const created = await createEndpoint(t, 'acme', 'https://hooks.example.com/rotate');
      const res = await t.request(`/admin/webhook_endpoints/${created.id}/rotate_secret`, { method: 'POST', key: ADMIN_KEY });
      expect(res.status).toBe(200);
      const rotated = (await res.json()) as { id: string; secret: string; previous_secret_expires_at: string };
      expect(rotated.id).toBe(created.id);
      expect(rotated.secret).toMatch(/^whsec_/);
      expect(rotated.secret).not.toBe(created.secret);
      expect(Date.parse(rotated.previous_secret_expires_at) - t.clock.now()).toBe(24 * 3600 * 1000);
    });

    it('gives each tenant one per-check secret, created on first use, stable until rotated', async () => {
      const first = (await (await t.request('/admin/tenants/acme/webhook_secret', { key: ADMIN_KEY })).json()) as { tenant: string; secret: string };
      expect(first).toMatchObject({ tenant: 'acme', secret: expect.stringMatching(/^whsec_/) });
      const again = (await (await t.request('/admin/tenants/acme/webhook_secret', { key: ADMIN_KEY })).json()) as { secret: string };
      expect(again.secret).toBe(first.secret);
      const other = (await (await t.request('/admin/tenants/globex/webhook_secret', { key: ADMIN_KEY })).json()) as { secret: string };
      expect(other.secret).not.toBe(first.secret);

      const res = await t.request('/admin/tenants/acme/webhook_secret', { method: 'POST', key: ADMIN_KEY });
      expect(res.status).toBe(200);
      const rotated = (await res.json()) as { tenant: string; secret: string; previous_secret_expires_at: string };
      expect(rotated.secret).not.toBe(first.secret);
      const current = (await (await t.request('/admin/tenants/acme/webhook_secret', { key: ADMIN_KEY })).json()) as { secret: string };
      expect(current.secret).toBe(rotated.secret);
    });

    it('documents every webhook route in the OpenAPI document', async () => {
      const doc = (await (await t.request('/openapi.json')).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
      const expected: Array<[string, string, string]> = [
        ['/admin/webhook_endpoints', 'post', '201'],
        ['/admin/webhook_endpoints', 'get', '200'],
        ['/admin/webhook_endpoints/{id}', 'delete', '204'],
        ['/admin/webhook_endpoints/{id}/rotate_secret', 'post', '200'],
        ['/admin/webhook_endpoints/{id}/deliveries', 'get', '200'],
        ['/admin/webhook_deliveries', 'get', '200'],
        ['/admin/webhook_deliveries/{id}/redeliver', 'post', '202'],
        ['/admin/tenants/{tenant}/webhook_secret', 'get', '200'],
        ['/admin/tenants/{tenant}/webhook_secret', 'post', '200'],
      ];
      for (const [path, method, status] of expected) {
        const responses = doc.paths[path]?.[method]?.responses ?? {};
        expect(Object.keys(responses), `${method} ${path}`).toContain(status);
        expect(Object.keys(responses), `${method} ${path}`).toContain('401');
      }
    });

    it('accepts a private target once LIVECHECK_ALLOW_PRIVATE_WEBHOOKS=true', async () => {
      // A second process on the same store, configured to allow private targets.
      const open = await startTestService(kind, { analyzer, runJobs: false, store: t.store, env: { LIVECHECK_ALLOW_PRIVATE_WEBHOOKS: 'true' } });
      try {
        const created = await createEndpoint(open, 'acme', 'http://10.0.0.5:8080/hook');
        expect(created.url).toBe('http://10.0.0.5:8080/hook');
      } finally {
        await open.stop();
      }
    });
  });

  describe('error', () => {
    it('rejects bad bodies with the error envelope', async () => {
      const bad = [
        {},
        { tenant: 'acme' },
        { url: 'https://hooks.example.com/' },
        { tenant: 'a b', url: 'https://hooks.example.com/' },
        { tenant: 'acme', url: 'ftp://hooks.example.com/' },
        { tenant: 'acme', url: 'not a url' },
        { tenant: 'acme', url: 'https://user:pass@hooks.example.com/' },
        { tenant: 'acme', url: 'https://hooks.example.com/', extra: 1 },
      ];
      for (const json of bad) {
        const res = await t.request('/admin/webhook_endpoints', { method: 'POST', key: ADMIN_KEY, json });
        expect(res.status, JSON.stringify(json)).toBe(400);
        const body = (await res.json()) as ErrorBody;
        expect(body.error.code).toBe('invalid_request');
        expect(body.error.request_id).toMatch(/^req_/);
      }
    });

    it('refuses private, loopback and metadata IP literals at creation by default', async () => {
      for (const url of ['http://127.0.0.1:9/x', 'http://169.254.169.254/latest/meta-data', 'http://[::1]/', 'http://10.0.0.1/', 'http://[::ffff:192.168.1.1]/', 'http://2130706433/']) {
        const res = await t.request('/admin/webhook_endpoints', { method: 'POST', key: ADMIN_KEY, json: { tenant: 'acme', url } });
        expect(res.status, url).toBe(400);
        expect(((await res.json()) as ErrorBody).error.message).toContain('LIVECHECK_ALLOW_PRIVATE_WEBHOOKS');
      }
    });

    it('answers 404 for unknown endpoints and deliveries', async () => {
      const gone = await createEndpoint(t, 'acme', 'https://hooks.example.com/gone');
      await t.request(`/admin/webhook_endpoints/${gone.id}`, { method: 'DELETE', key: ADMIN_KEY });
      const cases: Array<[string, string]> = [
        ['DELETE', '/admin/webhook_endpoints/we_nope'],
        ['DELETE', `/admin/webhook_endpoints/${gone.id}`],
        ['POST', '/admin/webhook_endpoints/we_nope/rotate_secret'],
        ['POST', `/admin/webhook_endpoints/${gone.id}/rotate_secret`],
        ['GET', '/admin/webhook_endpoints/we_nope/deliveries'],
        ['POST', '/admin/webhook_deliveries/whd_nope/redeliver'],
      ];
      for (const [method, path] of cases) {
        const res = await t.request(path, { method, key: ADMIN_KEY });
        expect(res.status, `${method} ${path}`).toBe(404);
        expect(((await res.json()) as ErrorBody).error.code).toBe('not_found');
      }
    });

    it('validates the tenant of the tenant-secret and delivery-log routes', async () => {
      expect((await t.request('/admin/tenants/a%20b/webhook_secret', { key: ADMIN_KEY })).status).toBe(400);
      expect((await t.request('/admin/webhook_deliveries', { key: ADMIN_KEY })).status).toBe(400);
      expect((await t.request('/admin/webhook_deliveries?tenant=acme&limit=0', { key: ADMIN_KEY })).status).toBe(400);
    });
  });

  describe('security', () => {
    let endpoint: Endpoint;
    beforeAll(async () => {
      endpoint = await createEndpoint(t, 'acme', 'https://hooks.example.com/sec');
    });

    it('every route needs the admin key: missing, wrong or a tenant key is 401', async () => {
      const tenantKey = await t.tenantKey('acme');
      const routes: Array<[string, string, object?]> = [
        ['POST', '/admin/webhook_endpoints', { tenant: 'acme', url: 'https://hooks.example.com/x' }],
        ['GET', '/admin/webhook_endpoints?tenant=acme'],
        ['DELETE', `/admin/webhook_endpoints/${endpoint.id}`],
        ['POST', `/admin/webhook_endpoints/${endpoint.id}/rotate_secret`],
        ['GET', `/admin/webhook_endpoints/${endpoint.id}/deliveries`],
        ['GET', '/admin/webhook_deliveries?tenant=acme'],
        ['POST', '/admin/webhook_deliveries/whd_x/redeliver'],
        ['GET', '/admin/tenants/acme/webhook_secret'],
        ['POST', '/admin/tenants/acme/webhook_secret'],
      ];
      for (const [method, path, json] of routes) {
        for (const key of [undefined, 'wrong', tenantKey, `${ADMIN_KEY}x`]) {
          const res = await t.request(path, { method, ...(json ? { json } : {}), ...(key ? { key } : {}) });
          expect(res.status, `${method} ${path} with ${key ? 'a bad key' : 'no key'}`).toBe(401);
          expect(res.headers.get('www-authenticate')).toBe('Bearer');
          expect(JSON.stringify(await res.json())).not.toContain('whsec_');
        }
      }
      // Nothing changed: the endpoint is still there with its secret.
      expect((await list('acme')).map((e) => e.id)).toContain(endpoint.id);
    });

    it('keeps tenants apart: a tenant filter lists only that tenant’s endpoints', async () => {
      const globex = await createEndpoint(t, 'globex', 'https://globex.example.com/hook');
      const acme = await list('acme');
      expect(acme.every((e) => e.tenant === 'acme')).toBe(true);
      expect(acme.map((e) => e.id)).not.toContain(globex.id);
      expect((await list('globex')).map((e) => e.id)).toEqual([globex.id]);
      expect(await list('nobody')).toEqual([]);
    });
  });
});
