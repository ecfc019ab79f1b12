// The sandbox end to end over HTTP, on both stores: test keys, every simulated outcome read back as a
// backend would (202, 200, 410), result shapes with generated images, retention, audit log, webhooks
// through the outbox to a real receiver, the simulation page's link, and the OpenAPI document.
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { type Receiver, createEndpoint, eventually, signedBy, startReceiver } from '../webhooks/helpers.js';
import { captureIdOf, createCheck, jpegOf, read, simulate } from './helpers.js';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
});
afterAll(() => analyzer.close());

describe.each(STORE_KINDS)('sandbox on %s', (kind) => {
  let t: TestService;
  let tenant: string;
  let testKey: string;
  let n = 0;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer, env: { LIVECHECK_ALLOW_PRIVATE_WEBHOOKS: 'true' } });
  });
  afterAll(() => t.stop());
  beforeEach(async () => {
    tenant = `sandbox-${++n}`;
    testKey = await t.tenantKey(tenant, 'test');
  });

  describe('test keys', () => {
    it('are lc_test_… and say their mode; live keys are lc_… and never start with lc_test_', async () => {
      const res = await t.request('/admin/api_keys', { method: 'POST', key: ADMIN_KEY, json: { tenant: 'keys', mode: 'test' } });
      expect(res.status).toBe(201);
      const created = (await res.json()) as { key: string; mode: string; tenant: string };
      expect(created.mode).toBe('test');
      expect(created.key).toMatch(/^lc_test_[A-Za-z0-9]{40}$/);
      for (let i = 0; i < 5; i++) {
        const live = (await (await t.request('/admin/api_keys', { method: 'POST', key: ADMIN_KEY, json: { tenant: 'keys' } })).json()) as { key: string; mode: string };
        expect(live.mode).toBe('live');
        expect(live.key).toMatch(/^lc_[A-Za-z0-9]{40}$/);
        expect(live.key.startsWith('lc_test_')).toBe(false);
      }
      const list = (await (await t.request('/admin/api_keys?tenant=keys', { key: ADMIN_KEY })).json()) as { keys: Array<{ mode: string }> };
      expect(list.keys.map((k) => k.mode).sort()).toEqual(['live', 'live', 'live', 'live', 'live', 'test']);
    });

    it('refuses an unknown mode', async () => {
      const res = await t.request('/admin/api_keys', { method: 'POST', key: ADMIN_KEY, json: { tenant: 'keys', mode: 'sandbox' } });
      expect(res.status).toBe(400);
    });

    it('make checks marked mode test in the create and every read', async () => {
      const check = await createCheck(t, testKey, { reference: 'order-1' });
      expect(check.mode).toBe('test');
      expect(check.url).toMatch(/\/c\/cap_/);
      const pending = await read(t, testKey, check.token);
      expect(pending).toMatchObject({ status: 202, body: { id: check.id, status: 'pending', mode: 'test' } });
    });
  });

  describe('simulate passed', () => {
    it('answers 200 passed:true with a plausible result, generated probe and audit images', async () => {
      const check = await createCheck(t, testKey, { audit_images: 3, threshold: 0.7, reference: 'order-2' });
      const res = await simulate(t, testKey, check.id, { outcome: 'passed' });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ id: check.id, mode: 'test', status: 'complete' });

      const { status, body } = await read(t, testKey, check.token);
      expect(status).toBe(200);
      expect(body).toMatchObject({ id: check.id, status: 'complete', mode: 'test', reference: 'order-2' });
      const result = body.result as Record<string, unknown>;
      expect(result.passed).toBe(true);
      expect(result.threshold).toBe(0.7);
      expect(result.confidence).toBeGreaterThanOrEqual(0.7);
      expect(result.confidence).toBeLessThanOrEqual(1);
      expect(result.failure_reason).toBeUndefined();
      expect(Date.parse(String(result.checked_at))).toBe(t.clock.now());
      const box = result.bounding_box as Record<string, number>;
      for (const side of ['left', 'top', 'width', 'height'] as const) {
        expect(box[side]).toBeGreaterThan(0);
        expect(box[side]).toBeLessThan(1);
      }
      const probe = await sharp(jpegOf(result.image)).metadata();
      expect(probe).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
      const audit = result.audit_images as Array<{ image: string; bounding_box: object; captured_at: string }>;
      expect(audit).toHaveLength(3);
      for (const a of audit) {
        jpegOf(a.image);
        expect(Object.keys(a.bounding_box).sort()).toEqual(['height', 'left', 'top', 'width']);
        expect(Date.parse(a.captured_at)).toBeLessThan(t.clock.now());
      }
    });

    it('keeps no probe image when retain_image is false, and audit images only for their retention', async () => {
      const check = await createCheck(t, testKey, { retain_image: false, audit_images: 2 });
      expect((await simulate(t, testKey, check.id, { outcome: 'passed' })).status).toBe(200);
      const before = (await read(t, testKey, check.token)).body.result as Record<string, unknown>;
      expect(before.image).toBeUndefined();
      expect(before.audit_images).toHaveLength(2);
      t.clock.advance(1801_000); // LIVECHECK_AUDIT_IMAGE_TTL default: 30 minutes
      const after = (await read(t, testKey, check.token)).body.result as Record<string, unknown>;
      expect(after.audit_images).toBeUndefined();
      expect(after.passed).toBe(true);
    });

    it('goes through the audit log like a real decision', async () => {
      const check = await createCheck(t, testKey);
      await simulate(t, testKey, check.id, { outcome: 'passed' });
      const res = await t.request(`/admin/audit_log?subject=${check.id}`, { key: ADMIN_KEY });
      const entries = ((await res.json()) as { entries: Array<{ actor: string; action: string; details: Record<string, unknown> }> }).entries;
      const actions = entries.map((e) => `${e.actor} ${e.action}`);
      expect(actions).toEqual(expect.arrayContaining([`tenant:${tenant} check.create`, `tenant:${tenant} check.simulate`, 'system check.complete']));
      expect(entries.find((e) => e.action === 'check.simulate')?.details).toEqual({ outcome: 'passed' });
    });
  });

  describe('simulate failed', () => {
    it('with a refusal reason: status failed, confidence 0, no box or images, as the real service', async () => {
      const check = await createCheck(t, testKey, { audit_images: 2 });
      const res = await simulate(t, testKey, check.id, { outcome: 'failed', failure_reason: 'no_face' });
      expect(await res.json()).toEqual({ id: check.id, mode: 'test', status: 'failed' });
      const { status, body } = await read(t, testKey, check.token);
      expect(status).toBe(200);
      expect(body.status).toBe('failed');
      const result = body.result as Record<string, unknown>;
      expect(result).toMatchObject({ passed: false, confidence: 0, failure_reason: 'no_face' });
      expect(result.bounding_box).toBeUndefined();
      expect(result.image).toBeUndefined();
    });

    it('with a decided reason: status complete, passed:false below the threshold, with box and images', async () => {
      const check = await createCheck(t, testKey, { audit_images: 1 });
      const res = await simulate(t, testKey, check.id, { outcome: 'failed', failure_reason: 'flat_surface' });
      expect(await res.json()).toMatchObject({ status: 'complete' });
      const result = (await read(t, testKey, check.token)).body.result as Record<string, unknown>;
      expect(result).toMatchObject({ passed: false, failure_reason: 'flat_surface' });
      expect(result.confidence).toBeLessThan(result.threshold as number);
      expect(result.bounding_box).toBeDefined();
      jpegOf(result.image);
      expect(result.audit_images).toHaveLength(1);
    });

    it('without a reason: step_not_done, the commonest real failure', async () => {
      const check = await createCheck(t, testKey);
      await simulate(t, testKey, check.id, { outcome: 'failed' });
      const { body } = await read(t, testKey, check.token);
      expect(body.status).toBe('complete');
      expect(body.result).toMatchObject({ passed: false, failure_reason: 'step_not_done' });
    });

    it('accepts every engine failure reason', async () => {
      const { SIMULATED_FAILURE_REASONS } = await import('../../src/sandbox/outcomes.js');
      expect(SIMULATED_FAILURE_REASONS).toContain('capture_abandoned');
      for (const reason of SIMULATED_FAILURE_REASONS) {
        const check = await createCheck(t, testKey);
        const res = await simulate(t, testKey, check.id, { outcome: 'failed', failure_reason: reason });
        expect(res.status, reason).toBe(200);
        expect((await read(t, testKey, check.token)).body.result).toMatchObject({ passed: false, failure_reason: reason });
      }
    });

    it('refuses a decided failure when the threshold is 0 (such a check always passes)', async () => {
      const check = await createCheck(t, testKey, { threshold: 0 });
      const res = await simulate(t, testKey, check.id, { outcome: 'failed', failure_reason: 'wrong_direction' });
      expect(res.status).toBe(400);
      expect((await read(t, testKey, check.token)).status).toBe(202);
    });
  });

  describe('simulate in_progress', () => {
    it('answers 202 in_progress, then can still be decided', async () => {
      const check = await createCheck(t, testKey);
      expect(await (await simulate(t, testKey, check.id, { outcome: 'in_progress' })).json()).toMatchObject({ status: 'in_progress' });
      expect(await read(t, testKey, check.token)).toMatchObject({ status: 202, body: { status: 'in_progress', mode: 'test' } });
      // Asking again changes nothing.
      expect((await simulate(t, testKey, check.id, { outcome: 'in_progress' })).status).toBe(200);
      expect((await simulate(t, testKey, check.id, { outcome: 'passed' })).status).toBe(200);
      expect((await read(t, testKey, check.token)).body.result).toMatchObject({ passed: true });
    });
  });

  describe('simulate expired', () => {
    it('makes a pending check answer 410 at once, without waiting for its expiry', async () => {
      const check = await createCheck(t, testKey, { expires_in: 86_400 });
      const res = await simulate(t, testKey, check.id, { outcome: 'expired' });
      expect(await res.json()).toEqual({ id: check.id, mode: 'test', status: 'expired' });
      expect(await read(t, testKey, check.token)).toEqual({ status: 410, body: { id: check.id, status: 'expired', mode: 'test' } });
      // Expired is final: the sandbox cannot revive it.
      const again = await simulate(t, testKey, check.id, { outcome: 'passed' });
      expect(again.status).toBe(410);
      expect(((await again.json()) as { error: { code: string } }).error.code).toBe('link_expired');
    });

    it('fails a capture in progress with capture_abandoned, as a real expiry does', async () => {
      const check = await createCheck(t, testKey);
      await simulate(t, testKey, check.id, { outcome: 'in_progress' });
      expect(await (await simulate(t, testKey, check.id, { outcome: 'expired' })).json()).toMatchObject({ status: 'failed' });
      const { status, body } = await read(t, testKey, check.token);
      expect(status).toBe(200);
      expect(body.result).toMatchObject({ passed: false, confidence: 0, failure_reason: 'capture_abandoned' });
    });

    it('lets a test check expire on its own too (the clock, not the sandbox)', async () => {
      const check = await createCheck(t, testKey, { expires_in: 60 });
      t.clock.advance(61_000);
      expect((await read(t, testKey, check.token)).status).toBe(410);
    });
  });

  describe('errors', () => {
    it('401 without a key, before looking at anything', async () => {
      const check = await createCheck(t, testKey);
      const res = await simulate(t, undefined, check.id, { outcome: 'passed' });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    });

    it('400 for a bad body', async () => {
      const check = await createCheck(t, testKey);
      for (const body of [{}, { outcome: 'won' }, { outcome: 'failed', failure_reason: 'bad_luck' }, { outcome: 'passed', failure_reason: 'no_face' }, { outcome: 'passed', extra: 1 }]) {
        const res = await simulate(t, testKey, check.id, body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
      }
      expect((await read(t, testKey, check.token)).body.status).toBe('pending');
    });

    it('404 for an unknown or malformed id', async () => {
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const res = await simulate(t, testKey, id, { outcome: 'passed' });
        expect(res.status).toBe(404);
      }
    });

    it('409 once decided', async () => {
      const check = await createCheck(t, testKey);
      await simulate(t, testKey, check.id, { outcome: 'failed', failure_reason: 'too_dark' });
      for (const outcome of ['passed', 'in_progress', 'expired']) {
        const res = await simulate(t, testKey, check.id, { outcome });
        expect(res.status).toBe(409);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe('check_finished');
      }
      expect((await read(t, testKey, check.token)).body.result).toMatchObject({ failure_reason: 'too_dark' });
    });
  });

  describe('webhooks', () => {
    let receiver: Receiver;
    beforeEach(async () => {
      receiver = await startReceiver();
    });
    afterEach(() => receiver.close());

    it('fire for test checks exactly as for live ones, signed, with mode test', async () => {
      const endpoint = await createEndpoint(t, tenant, receiver.url);
      const passed = await createCheck(t, testKey, { reference: 'p' });
      const failed = await createCheck(t, testKey, { reference: 'f' });
      const expired = await createCheck(t, testKey, { reference: 'e' });
      await simulate(t, testKey, passed.id, { outcome: 'passed' });
      await simulate(t, testKey, failed.id, { outcome: 'failed', failure_reason: 'multiple_faces' });
      await simulate(t, testKey, expired.id, { outcome: 'expired' });
      await eventually(() => receiver.requests.length >= 3 || undefined, 15_000, 'three deliveries');
      const events = receiver.requests.map((r) => {
        expect(signedBy(endpoint.secret, r)).toBe(true);
        return JSON.parse(r.body) as { type: string; data: Record<string, unknown> };
      });
      const byRef = new Map(events.map((e) => [e.data.reference, e]));
      expect(byRef.get('p')).toMatchObject({ type: 'liveness_check.completed', data: { id: passed.id, status: 'complete', mode: 'test' } });
      expect(byRef.get('f')).toMatchObject({ type: 'liveness_check.failed', data: { id: failed.id, status: 'failed', mode: 'test' } });
      expect(byRef.get('e')).toMatchObject({ type: 'liveness_check.expired', data: { id: expired.id, status: 'expired', mode: 'test' } });
    });

    it('go to a test check’s own webhook_url', async () => {
      const check = await createCheck(t, testKey, { webhook_url: receiver.url });
      await simulate(t, testKey, check.id, { outcome: 'passed' });
      const [delivery] = await eventually(() => (receiver.requests.length > 0 ? receiver.requests : undefined), 15_000, 'a delivery');
      expect(JSON.parse(delivery?.body ?? '{}')).toMatchObject({ type: 'liveness_check.completed', data: { id: check.id, mode: 'test' } });
    });

    it('carry mode live for live checks', async () => {
      const liveKey = await t.tenantKey(tenant);
      await createEndpoint(t, tenant, receiver.url);
      const res = await t.request('/liveness_check', { method: 'POST', key: liveKey, json: { expires_in: 60 } });
      const check = (await res.json()) as { id: string; token: string; mode: string };
      expect(check.mode).toBe('live');
      t.clock.advance(61_000);
      expect((await read(t, liveKey, check.token)).body).toEqual({ id: check.id, status: 'expired', mode: 'live' });
      const [delivery] = await eventually(() => (receiver.requests.length > 0 ? receiver.requests : undefined), 15_000, 'a delivery');
      expect(JSON.parse(delivery?.body ?? '{}')).toMatchObject({ type: 'liveness_check.expired', data: { id: check.id, mode: 'live' } });
    });
  });

  describe('the capture link of a test check', () => {
    it('opens the simulation page (no camera) under a strict CSP', async () => {
      const check = await createCheck(t, testKey);
      const res = await fetch(check.url.replace(/^https?:\/\/[^/]+/, t.url));
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('Sandbox liveness check');
      expect(html).toMatch(/<script src="\/assets\/sandbox\.[A-Za-z0-9]+\.js" defer><\/script>/);
      expect(html).not.toMatch(/<script>|<script [^s]|on(click|load)=/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("connect-src 'self'");
      expect(csp).not.toContain('unsafe-inline');
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('permissions-policy')).toContain('camera=()');
      const script = /src="(\/assets\/sandbox\.[^"]+)"/.exec(html)?.[1];
      expect((await t.request(script ?? '/missing')).status).toBe(200);
    });

    it('decides the check through the link, and redirects with lc_token like the capture page', async () => {
      const check = await createCheck(t, testKey, { redirect_url: 'https://shop.example/verified?order=9' });
      const res = await t.request(`/v1/capture/${captureIdOf(check.url)}/simulate`, { method: 'POST', json: { outcome: 'passed' } });
      expect(res.status).toBe(200);
      const answer = (await res.json()) as { status: string; redirect: string };
      expect(answer.status).toBe('complete');
      const redirect = new URL(answer.redirect);
      expect(redirect.origin + redirect.pathname).toBe('https://shop.example/verified');
      expect(redirect.searchParams.get('lc_token')).toBe(check.token);
      expect((await read(t, testKey, check.token)).body.result).toMatchObject({ passed: true });
      const audit = await t.request(`/admin/audit_log?subject=${check.id}`, { key: ADMIN_KEY });
      const entries = ((await audit.json()) as { entries: Array<{ actor: string; action: string }> }).entries;
      expect(entries.some((e) => e.actor === 'capture' && e.action === 'check.simulate')).toBe(true);
    });
  });

  it('documents the sandbox in the OpenAPI document, with mode on every check schema and a Bearer scheme', async () => {
    const doc = (await (await t.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, { content?: Record<string, { schema: { required?: string[]; properties?: Record<string, unknown> } }> }> }>>;
      components: { securitySchemes: Record<string, { type: string; scheme: string }>; schemas: Record<string, unknown> };
    };
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const sim = doc.paths['/v1/sandbox/liveness_check/{id}/simulate']?.post;
    expect(sim?.security).toEqual([{ bearer: [] }]);
    const get = doc.paths['/liveness_check']?.get;
    for (const code of ['200', '202', '410']) {
      const schema = get?.responses[code]?.content?.['application/json']?.schema;
      expect(schema?.required, code).toContain('mode');
    }
    const created = doc.paths['/liveness_check']?.post?.responses['201']?.content?.['application/json']?.schema;
    expect(created?.required).toContain('mode');
    expect(doc.paths['/v1/capture/{capture_id}/simulate']?.post).toBeDefined();
    const event = doc.components.schemas.WebhookEvent as { properties: { data: { required: string[]; properties: Record<string, unknown> } } };
    expect(event.properties.data.required).toContain('mode');
  });
});
