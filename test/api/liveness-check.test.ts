import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { sweepOnce } from '../../src/jobs/sweeper.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';

interface Created {
  id: string;
  token: string;
  url: string;
  status: string;
  expires_at: string;
  reference?: string;
}

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
});
afterAll(() => analyzer.close());

describe.each(STORE_KINDS)('POST and GET /liveness_check on %s', (kind) => {
  let t: TestService;
  let key: string;
  let otherKey: string;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer, env: { LIVECHECK_PUBLIC_URL: 'https://verify.example.com/' } });
    key = await t.tenantKey('acme');
    otherKey = await t.tenantKey('globex');
  });
  afterAll(() => t.stop());

  const create = async (json: unknown = {}, headers: Record<string, string> = {}, apiKey = key) => {
    const res = await t.request('/liveness_check', { method: 'POST', key: apiKey, json, headers });
    return { res, body: (await res.json()) as Created & { error?: { code: string; message: string } } };
  };

  describe('happy', () => {
    it('creates a pending check with a token, a capture link and an expiry', async () => {
      const before = t.clock.now();
      const { res, body } = await create({ reference: 'order-42', expires_in: 600, audit_images: 2, threshold: 0.7 });
      expect(res.status).toBe(201);
      expect(body.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(body.token).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(body.status).toBe('pending');
      expect(body.reference).toBe('order-42');
      expect(Date.parse(body.expires_at)).toBe(before + 600_000);
      const url = new URL(body.url);
      expect(url.origin).toBe('https://verify.example.com');
      const captureId = url.pathname.replace('/c/', '');
      expect(captureId).toMatch(/^cap_[A-Za-z0-9]{40}$/);
      expect(body.url).not.toContain(body.token);
    });

    it('tokens differ every time and are not stored in the clear', async () => {
      const tokens = new Set<string>();
      for (let i = 0; i < 20; i++) tokens.add((await create()).body.token);
      expect(tokens.size).toBe(20);
      const rows = await t.service.store.db.selectFrom('liveness_checks').selectAll().execute();
      const dump = JSON.stringify(rows);
      for (const token of tokens) expect(dump).not.toContain(token);
    });

    it('GET answers 202 with Retry-After while pending', async () => {
      const { body } = await create();
      const res = await t.request(`/liveness_check?token=${body.token}`, { key });
      expect(res.status).toBe(202);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(2);
      expect(await res.json()).toEqual({ id: body.id, status: 'pending', mode: 'live', expires_at: body.expires_at });
    });

    it('the same Idempotency-Key and body give the same check; another body is refused', async () => {
      const headers = { 'idempotency-key': `idem-${kind}-1` };
      const a = await create({ reference: 'x' }, headers);
      const b = await create({ reference: 'x' }, headers);
      expect(a.res.status).toBe(201);
      expect(b.res.status).toBe(201);
      expect(b.body).toEqual(a.body);
      const c = await create({ reference: 'y' }, headers);
      expect(c.res.status).toBe(422);
      expect(c.body.error?.code).toBe('idempotency_key_reused');
      const count = await t.service.store.db.selectFrom('liveness_checks').select('id').where('reference', '=', 'x').execute();
      expect(count).toHaveLength(1);
    });

    it('concurrent requests with one Idempotency-Key make one check', async () => {
      const headers = { 'idempotency-key': `idem-${kind}-race` };
      const results = await Promise.all(Array.from({ length: 8 }, () => create({ reference: 'race' }, headers)));
      expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
      expect(results.every((r) => r.res.status === 201)).toBe(true);
    });

    it('an unused link expires: 410 on read without any sweeper', async () => {
      const { body } = await create({ expires_in: 60 });
      t.clock.advance(61_000);
      const res = await t.request(`/liveness_check?token=${body.token}`, { key });
      expect(res.status).toBe(410);
      expect(await res.json()).toEqual({ id: body.id, status: 'expired', mode: 'live' });
      // And the capture link says so too.
      const captureId = new URL(body.url).pathname.replace('/c/', '');
      const start = await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' });
      expect(start.status).toBe(410);
    });

    it('the sweeper persists expiry of links nobody reads', async () => {
      const { body } = await create({ expires_in: 60 });
      t.clock.advance(61_000);
      await sweepOnce({ db: t.service.store.db, checks: t.service.checks, clock: t.clock });
      const row = await t.service.store.db.selectFrom('liveness_checks').select('status').where('id', '=', body.id).executeTakeFirst();
      expect(row?.status).toBe('expired');
    });
  });

  describe('error', () => {
    it.each([
      [{ redirect_url: 'ftp://example.com/x' }, 'redirect_url'],
      [{ redirect_url: 'not a url' }, 'redirect_url'],
      [{ audit_images: 11 }, 'audit_images'],
      [{ audit_images: 1.5 }, 'audit_images'],
      [{ threshold: 1.01 }, 'threshold'],
      [{ expires_in: 59 }, 'expires_in'],
      [{ expires_in: 86_401 }, 'expires_in'],
      [{ reference: 'r'.repeat(129) }, 'reference'],
      [{ webhook_url: 'javascript:alert(1)' }, 'webhook_url'],
      [{ surprise: true }, 'surprise'],
      [{ retain_image: 'yes' }, 'retain_image'],
    ])('rejects %j with a named 400', async (json, field) => {
      const { res, body } = await create(json);
      expect(res.status).toBe(400);
      expect(body.error?.code).toBe('invalid_request');
      expect(body.error?.message).toContain(field);
    });

    it('rejects a body that is not JSON', async () => {
      const res = await t.request('/liveness_check', { method: 'POST', key, body: '{nope', headers: { 'content-type': 'application/json' } });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
    });

    it('GET: malformed, unknown and missing tokens are 400 with the envelope', async () => {
      for (const query of ['?token=short', `?token=${'A'.repeat(32)}`, '?token=', '', `?token=${'a'.repeat(31)}%21`]) {
        const res = await t.request(`/liveness_check${query}`, { key });
        expect(res.status).toBe(400);
        const body = (await res.json()) as { error: { code: string; request_id: string } };
        expect(body.error.request_id).toMatch(/^req_/);
      }
    });

    it('GET and DELETE: a malformed token (too long, repeated, bad characters) reads exactly like an unknown one', async () => {
      const answer = async (method: 'GET' | 'DELETE', query: string) => {
        const res = await t.request(`/liveness_check${query}`, { key, method });
        const body = (await res.json()) as { error: { code: string; message: string } };
        return { status: res.status, code: body.error.code, message: body.error.message };
      };
      const { body: created } = await create();
      for (const method of ['GET', 'DELETE'] as const) {
        const unknown = await answer(method, `?token=${'Z'.repeat(32)}`);
        expect(unknown).toMatchObject({ status: 400, code: 'invalid_token' });
        for (const query of [`?token=${'A'.repeat(257)}`, `?token=${'A'.repeat(5000)}`, `?token=${created.token}&token=${created.token}`, `?token=${'a'.repeat(31)}%21`, '?token=']) {
          expect(await answer(method, query), `${method} ${query.slice(0, 40)}`).toEqual(unknown);
        }
        // No token at all, or an unknown parameter, is a malformed request, said as such.
        expect(await answer(method, '')).toMatchObject({ status: 400, code: 'invalid_request' });
        expect(await answer(method, `?token=${created.token}&extra=1`)).toMatchObject({ status: 400, code: 'invalid_request' });
      }
      // The check read twice over a repeated parameter was not erased by the DELETEs above.
      expect((await t.request(`/liveness_check?token=${created.token}`, { key })).status).toBe(202);
    });
  });

  describe('security', () => {
    it('missing, malformed and revoked keys are 401', async () => {
      for (const auth of [undefined, 'Bearer', 'Bearer lc_nope', `Basic ${key}`, 'Bearer lc_' + 'A'.repeat(40)]) {
        const res = await t.request('/liveness_check', { method: 'POST', json: {}, headers: auth ? { authorization: auth } : {} });
        expect(res.status).toBe(401);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      }
    });

    it("another tenant's token reads exactly like an unknown token", async () => {
      const { body } = await create();
      const foreign = await t.request(`/liveness_check?token=${body.token}`, { key: otherKey });
      const unknown = await t.request(`/liveness_check?token=${'Z'.repeat(32)}`, { key: otherKey });
      expect(foreign.status).toBe(400);
      const strip = (b: { error: { code: string; message: string } }) => ({ code: b.error.code, message: b.error.message });
      expect(strip((await foreign.json()) as never)).toEqual(strip((await unknown.json()) as never));
    });

    it('another tenant cannot reuse an Idempotency-Key to read a check', async () => {
      const headers = { 'idempotency-key': `shared-${kind}` };
      const mine = await create({}, headers);
      const theirs = await create({}, headers, otherKey);
      expect(theirs.res.status).toBe(201);
      expect(theirs.body.id).not.toBe(mine.body.id);
      expect(theirs.body.token).not.toBe(mine.body.token);
    });

    it('responses carry security headers and no caching', async () => {
      const res = await t.request('/liveness_check', { method: 'POST', key, json: {} });
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    });
  });
});
