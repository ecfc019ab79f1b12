// Tenant isolation, security headers and the audit log over real HTTP. The isolation matrix is
// built from the OpenAPI document, so a route added later is covered without editing this file.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { type Created, type Pool, captureIdOf, createCheck, expectEnvelope, startPool } from './session.js';

let pool: Pool;
beforeAll(async () => {
  pool = await startPool();
});
afterAll(() => pool.close());

interface Operation {
  method: string;
  path: string;
  secured: boolean;
  query: string[];
  pathParams: string[];
}

async function operations(t: TestService): Promise<Operation[]> {
  const doc = (await (await t.request('/openapi.json')).json()) as {
    paths: Record<string, Record<string, { security?: unknown[]; parameters?: Array<{ name: string; in: string }> }>>;
  };
  return Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      method: method.toUpperCase(),
      path,
      secured: (op.security ?? []).length > 0,
      query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      pathParams: (op.parameters ?? []).filter((p) => p.in === 'path').map((p) => p.name),
    })),
  );
}

/** Fills a route with one check's identifiers (or with unknown ones of the same shape). */
function target(op: Operation, check: { id: string; token: string; captureId: string }): string {
  let path = op.path;
  for (const name of op.pathParams) {
    const value = name === 'capture_id' ? check.captureId : check.id;
    path = path.replace(`{${name}}`, encodeURIComponent(value));
  }
  const query = op.query.includes('token') ? `?token=${check.token}` : '';
  return path + query;
}

const strip = (b: { error: { code: string; message: string } }) => ({ code: b.error.code, message: b.error.message });

describe.each(STORE_KINDS)('tenant isolation on %s', (kind) => {
  let t: TestService;
  let keyA: string;
  let keyB: string;
  let checkB: Created;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer: pool });
    keyA = await t.tenantKey('tenant-a');
    keyB = await t.tenantKey('tenant-b');
    checkB = await createCheck(t, keyB, { reference: 'b-order-1' });
  });
  afterAll(() => t.stop());

  const rowOf = (id: string) => t.service.store.db.selectFrom('liveness_checks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('every tenant route × tenant A key × tenant B check answers exactly as for an unknown check', async () => {
    const ops = await operations(t);
    const tenantOps = ops.filter((op) => op.secured && !op.path.startsWith('/admin') && (op.query.includes('token') || op.pathParams.length > 0));
    // GET and DELETE /liveness_check at least; more when routes are added.
    expect(tenantOps.map((op) => `${op.method} ${op.path}`)).toEqual(expect.arrayContaining(['GET /liveness_check', 'DELETE /liveness_check']));
    const b = { id: checkB.id, token: checkB.token, captureId: captureIdOf(checkB.url) };
    const unknown = { id: randomUUID(), token: 'U'.repeat(32), captureId: `cap_${'U'.repeat(40)}` };
    const before = await rowOf(checkB.id);
    for (const op of tenantOps) {
      const foreign = await t.request(target(op, b), { method: op.method, key: keyA });
      const missing = await t.request(target(op, unknown), { method: op.method, key: keyA });
      expect(foreign.status, `${op.method} ${op.path}`).toBe(missing.status);
      expect(foreign.status).toBeGreaterThanOrEqual(400);
      expect(strip(await expectEnvelope(foreign))).toEqual(strip(await expectEnvelope(missing)));
    }
    expect(await rowOf(checkB.id)).toEqual(before);
    const own = await t.request(`/liveness_check?token=${checkB.token}`, { key: keyB });
    expect(own.status).toBe(202);
  });

  it('an Idempotency-Key of tenant B gives tenant A a new check of its own', async () => {
    const headers = { 'idempotency-key': `iso-${kind}` };
    const b = (await (await t.request('/liveness_check', { method: 'POST', key: keyB, json: {}, headers })).json()) as Created;
    const a = (await (await t.request('/liveness_check', { method: 'POST', key: keyA, json: {}, headers })).json()) as Created;
    expect(a.id).not.toBe(b.id);
    expect(a.token).not.toBe(b.token);
    expect((await t.request(`/liveness_check?token=${b.token}`, { key: keyA })).status).toBe(400);
  });

  it('no admin route accepts a tenant key, a wrong admin key or no key', async () => {
    const adminOps = (await operations(t)).filter((op) => op.path.startsWith('/admin'));
    expect(adminOps.length).toBeGreaterThanOrEqual(4);
    const unauthorized: string[] = [];
    for (const op of adminOps) {
      const path = target(op, { id: 'key_x', token: 'x', captureId: 'x' }).replace(/\{[^}]+\}/g, 'x');
      for (const key of [keyA, undefined, `${ADMIN_KEY}x`]) {
        const init: RequestInit & { key?: string; json?: unknown } = { method: op.method, ...(key ? { key } : {}) };
        if (op.method === 'POST' || op.method === 'PUT' || op.method === 'PATCH') init.json = {};
        const res = await t.request(path, init);
        const body = await expectEnvelope(res);
        // Routes that authenticate in preHandler validate the request first: an empty body can get
        // a schema 400 (it reveals the public schema, no data). Never anything but these two.
        if (res.status === 400) {
          expect(body.error.code, `${op.method} ${op.path}`).toBe('invalid_request');
          continue;
        }
        expect(res.status, `${op.method} ${op.path}`).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expect(body.error.code).toBe('unauthorized');
        unauthorized.push(`${op.method} ${op.path}`);
      }
    }
    expect(unauthorized).toEqual(expect.arrayContaining(['GET /admin/api_keys', 'DELETE /admin/api_keys/{id}', 'GET /admin/audit_log']));
    // Routes that authenticate on request answer 401 whatever the query.
    for (const key of [keyA, undefined]) {
      expect((await t.request('/admin/audit_log?limit=nope&junk=1', key ? { key } : {})).status).toBe(401);
    }
    expect((await t.request('/liveness_check?token=x&junk=1', { method: 'DELETE' })).status).toBe(401);
  });

  it('a revoked key of tenant B reads nothing of B any more', async () => {
    const created = (await (await t.request('/admin/api_keys', { method: 'POST', key: ADMIN_KEY, json: { tenant: 'tenant-b' } })).json()) as { id: string; key: string };
    const check = await createCheck(t, created.key);
    expect((await t.request(`/admin/api_keys/${created.id}`, { method: 'DELETE', key: ADMIN_KEY })).status).toBe(204);
    // The API-key cache may remember a valid key briefly; the service's clock moves past it.
    t.clock.advance(10_000);
    expect((await t.request(`/liveness_check?token=${check.token}`, { key: created.key })).status).toBe(401);
    expect((await t.request(`/liveness_check?token=${check.token}`, { method: 'DELETE', key: created.key })).status).toBe(401);
  });
});

describe.each(STORE_KINDS)('security headers and the audit log on %s', (kind) => {
  let t: TestService;
  let key: string;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer: pool, env: { LIVECHECK_PUBLIC_URL: 'https://verify.example.com' } });
    key = await t.tenantKey('acme');
  });
  afterAll(() => t.stop());

  function expectHeaders(res: Response, what: string, hsts: boolean): void {
    expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
    expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
    expect(res.headers.get('cache-control'), what).toBeTruthy();
    expect(res.headers.get('content-security-policy'), what).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-request-id'), what).toMatch(/^req_/);
    expect(res.headers.get('x-powered-by'), what).toBeNull();
    const sts = res.headers.get('strict-transport-security');
    if (hsts) expect(sts, what).toMatch(/^max-age=\d{8,}/);
    else expect(sts, what).toBeNull();
  }

  it('every response carries the security headers, HSTS when the public URL is https', async () => {
    const check = await createCheck(t, key);
    const captureId = captureIdOf(check.url);
    const requests: Array<[string, () => Promise<Response>]> = [
      ['201 create', () => t.request('/liveness_check', { method: 'POST', key, json: {} })],
      ['202 poll', () => t.request(`/liveness_check?token=${check.token}`, { key })],
      ['400 bad token', () => t.request('/liveness_check?token=x', { key })],
      ['401 no key', () => t.request('/liveness_check', { method: 'POST', json: {} })],
      ['404 no route', () => t.request('/nowhere')],
      ['404 link', () => t.request(`/v1/capture/cap_${'z'.repeat(40)}/start`, { method: 'POST' })],
      ['400 bad URL', () => t.request('/v1/capture/cap_%E0%A4%A/start', { method: 'POST' })],
      ['409 finish early', () => t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' })],
      ['413 body', () => t.request('/liveness_check', { method: 'POST', key, json: { reference: 'r'.repeat(70_000) } })],
      ['415 type', () => t.request('/liveness_check', { method: 'POST', key, body: 'a=b', headers: { 'content-type': 'application/x-www-form-urlencoded' } })],
      ['204 erase', () => t.request(`/liveness_check?token=${check.token}`, { method: 'DELETE', key })],
      ['200 openapi', () => t.request('/openapi.json')],
      ['200 docs', () => t.request('/docs/')],
      ['200 healthz', () => t.request('/healthz')],
      ['200 audit', () => t.request('/admin/audit_log', { key: ADMIN_KEY })],
    ];
    for (const [what, send] of requests) {
      const res = await send();
      expect(res.status, what).toBe(Number(what.slice(0, 3)));
      expectHeaders(res, what, true);
      await res.arrayBuffer();
    }
    const plain = await startTestService(kind, { analyzer: pool, store: t.store });
    try {
      expectHeaders(await plain.request('/healthz'), 'http public URL', false);
      expectHeaders(await plain.request('/liveness_check', { method: 'POST', json: {} }), 'http public URL, 401', false);
    } finally {
      await plain.service.close();
    }
  });

  it('records admin actions, newest first, paged, and shows no secrets', async () => {
    const created = (await (await t.request('/admin/api_keys', { method: 'POST', key: ADMIN_KEY, json: { tenant: 'audited' } })).json()) as { id: string; key: string };
    expect((await t.request(`/admin/api_keys/${created.id}`, { method: 'DELETE', key: ADMIN_KEY })).status).toBe(204);
    const first = await t.request('/admin/audit_log?limit=2', { key: ADMIN_KEY });
    expect(first.status).toBe(200);
    const page1 = ((await first.json()) as { entries: Array<{ id: string; actor: string; action: string; subject: string; details: object; at: string }> }).entries;
    expect(page1.map((e) => [e.actor, e.action, e.subject])).toEqual([
      ['admin', 'api_key.revoke', created.id],
      ['admin', 'api_key.create', created.id],
    ]);
    expect(page1[1]?.details).toEqual({ tenant: 'audited', mode: 'live' });
    const next = await t.request(`/admin/audit_log?limit=2&before=${page1[1]?.id}`, { key: ADMIN_KEY });
    const page2 = ((await next.json()) as { entries: Array<{ id: string }> }).entries;
    expect(page2).toHaveLength(2);
    expect(page2.map((e) => e.id).every((id) => id < (page1[1]?.id ?? ''))).toBe(true);

    const all = await (await t.request('/admin/audit_log?limit=1000', { key: ADMIN_KEY })).text();
    for (const secret of [created.key, key, ADMIN_KEY]) expect(all).not.toContain(secret);
    for (const query of ['limit=0', 'limit=1001', 'limit=ten', 'before=nope', 'other=1']) {
      const res = await t.request(`/admin/audit_log?${query}`, { key: ADMIN_KEY });
      expect(res.status, query).toBe(400);
      await expectEnvelope(res);
    }
  });
});
