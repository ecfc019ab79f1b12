// Webhooks delivered over real HTTP to a receiver on 127.0.0.1 (private targets allowed here):
// signatures, payload, retries with backoff, rotation, per-check URLs, tenant isolation, redelivery.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../packages/client/src/index.js';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import {
  type DeliveryLog,
  type Receiver,
  attemptRecorded,
  createEndpoint,
  endpointLog,
  eventually,
  expiredCheck,
  signaturesOf,
  signedBy,
  skipBackoff,
  startReceiver,
  tenantLog,
} from './helpers.js';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
});
afterAll(() => analyzer.close());

interface EventBody {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown>;
}

describe.each(STORE_KINDS)('webhook delivery on %s', (kind) => {
  let t: TestService;
  let receiver: Receiver;
  let tenant: string;
  let key: string;
  let n = 0;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer, env: { LIVECHECK_ALLOW_PRIVATE_WEBHOOKS: 'true' } });
  });
  afterAll(() => t.stop());
  // Each test gets its own tenant and receiver, so no test sees another's events.
  beforeEach(async () => {
    tenant = `tenant-${++n}`;
    key = await t.tenantKey(tenant);
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  const delivered = (endpointId: string, attempts = 1) =>
    eventually(async () => {
      const [entry] = await endpointLog(t, endpointId);
      return attemptRecorded(entry, attempts) && entry.status !== 'pending' ? entry : undefined;
    }, 15_000, `delivery to ${endpointId} after ${attempts} attempts`);

  describe('happy', () => {
    it('delivers liveness_check.expired, signed per Standard Webhooks, with ids/status/reference only', async () => {
      const endpoint = await createEndpoint(t, tenant, receiver.url);
      const check = await expiredCheck(t, key, { reference: 'order-42', audit_images: 2 });
      const entry = await delivered(endpoint.id);

      expect(receiver.requests).toHaveLength(1);
      const [req] = receiver.requests;
      if (!req) throw new Error('no request');
      expect(req.method).toBe('POST');
      expect(req.path).toBe('/hooks/livecheck');
      expect(req.headers['content-type']).toBe('application/json');
      expect(req.headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(Number(req.headers['webhook-timestamp'])).toBe(Math.floor(t.clock.now() / 1000));
      expect(signaturesOf(req.headers['webhook-signature'])).toHaveLength(1);
      expect(signedBy(endpoint.secret, req)).toBe(true);
      expect(signedBy('whsec_' + Buffer.alloc(32, 1).toString('base64'), req)).toBe(false);
      // The client SDK's verifier accepts it too, and rejects a tampered body.
      const verified = await verifyWebhook(req.body, req.headers, endpoint.secret, { now: t.clock.now() });
      expect(verified).toMatchObject({ type: 'liveness_check.expired', data: { id: check.id, status: 'expired', reference: 'order-42' } });
      await expect(verifyWebhook(req.body.replace('order-42', 'order-43'), req.headers, endpoint.secret, { now: t.clock.now() })).rejects.toThrow();

      const body = JSON.parse(req.body) as EventBody;
      expect(body).toEqual({
        id: req.headers['webhook-id'],
        type: 'liveness_check.expired',
        timestamp: expect.any(String),
        data: { id: check.id, status: 'expired', reference: 'order-42', mode: 'live' },
      });
      expect(req.body).not.toContain(check.token);
      expect(req.body).not.toContain('image');

      expect(entry).toMatchObject({
        event_id: req.headers['webhook-id'],
        event_type: 'liveness_check.expired',
        check_id: check.id,
        endpoint_id: endpoint.id,
        url: receiver.url,
        status: 'delivered',
        attempts: 1,
        last_status_code: 200,
        last_error: null,
        next_attempt_at: null,
      });
      expect(entry.delivered_at).not.toBeNull();
    });

    it('delivers liveness_check.failed for a capture that was started and abandoned', async () => {
      const endpoint = await createEndpoint(t, tenant, receiver.url);
      const created = (await (await t.request('/liveness_check', { method: 'POST', key, json: { expires_in: 60 } })).json()) as { id: string; token: string; url: string };
      const captureId = new URL(created.url).pathname.replace('/c/', '');
      expect((await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' })).status).toBe(200);
      t.clock.advance(61_000);
      expect((await t.request(`/liveness_check?token=${created.token}`, { key })).status).toBe(200);
      const entry = await delivered(endpoint.id);
      expect(entry).toMatchObject({ event_type: 'liveness_check.failed', check_id: created.id, status: 'delivered' });
      const [req] = receiver.requests;
      if (!req) throw new Error('no request');
      expect(signedBy(endpoint.secret, req)).toBe(true);
      expect(JSON.parse(req.body)).toMatchObject({ type: 'liveness_check.failed', data: { id: created.id, status: 'failed', reference: null } });
    });

    it('retries with backoff: a receiver failing twice gets the event on the third attempt', async () => {
      receiver.respondWith(500, 503);
      const endpoint = await createEndpoint(t, tenant, receiver.url);
      await expiredCheck(t, key);

      const first = await eventually(async () => {
        const [e] = await endpointLog(t, endpoint.id);
        return attemptRecorded(e, 1) ? e : undefined;
      });
      expect(first).toMatchObject({ status: 'pending', last_error: 'HTTP 500' });
      const wait1 = Date.parse(first.next_attempt_at ?? '') - Date.parse(first.last_attempt_at ?? '');
      expect(wait1).toBeGreaterThanOrEqual(4_000);
      expect(wait1).toBeLessThanOrEqual(6_000);
      // Not due yet: nothing happens without the clock moving.
      t.service.webhookWorker?.wake();
      await new Promise((r) => setTimeout(r, 300));
      expect(receiver.requests).toHaveLength(1);

      skipBackoff(t, 6_000);
      const second = await eventually(async () => {
        const [e] = await endpointLog(t, endpoint.id);
        return attemptRecorded(e, 2) ? e : undefined;
      });
      expect(second).toMatchObject({ status: 'pending', last_status_code: 503 });
      const wait2 = Date.parse(second.next_attempt_at ?? '') - Date.parse(second.last_attempt_at ?? '');
      expect(wait2).toBeGreaterThanOrEqual(24_000);
      expect(wait2).toBeLessThanOrEqual(36_000);

      skipBackoff(t, 36_000);
      const third = await delivered(endpoint.id, 3);
      expect(third).toMatchObject({ status: 'delivered', attempts: 3, last_status_code: 200, last_error: null });
      expect(receiver.requests).toHaveLength(3);
      // The same message each time: one webhook-id, one body, a fresh timestamp and a valid signature.
      const ids = new Set(receiver.requests.map((r) => r.headers['webhook-id']));
      expect(ids.size).toBe(1);
      expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
      expect(new Set(receiver.requests.map((r) => r.headers['webhook-timestamp'])).size).toBe(3);
      for (const r of receiver.requests) expect(signedBy(endpoint.secret, r)).toBe(true);
    });

    it('signs with both secrets for 24 h after a rotation, then with the new one only', async () => {
      const endpoint = await createEndpoint(t, tenant, receiver.url);
      const res = await t.request(`/admin/webhook_endpoints/${endpoint.id}/rotate_secret`, { method: 'POST', key: ADMIN_KEY });
      const { secret } = (await res.json()) as { secret: string };

      await expiredCheck(t, key);
      await delivered(endpoint.id);
      const [during] = receiver.requests;
      if (!during) throw new Error('no request');
      expect(signaturesOf(during.headers['webhook-signature'])).toHaveLength(2);
      expect(signedBy(secret, during)).toBe(true);
      expect(signedBy(endpoint.secret, during)).toBe(true);
      for (const s of [secret, endpoint.secret]) await expect(verifyWebhook(during.body, during.headers, s, { now: t.clock.now() })).resolves.toBeDefined();

      t.clock.advance(24 * 3600 * 1000);
      await expiredCheck(t, key);
      await eventually(() => receiver.requests.length === 2 || undefined, 15_000, 'the second event');
      const after = receiver.requests[1];
      if (!after) throw new Error('no request');
      expect(signaturesOf(after.headers['webhook-signature'])).toHaveLength(1);
      expect(signedBy(secret, after)).toBe(true);
      expect(signedBy(endpoint.secret, after)).toBe(false);
    });

    it('delivers to the check’s own webhook_url, signed with the tenant secret', async () => {
      const check = await expiredCheck(t, key, { webhook_url: `${receiver.url}?check=1` });
      const [entry] = await eventually(async () => {
        const log = await tenantLog(t, tenant, check.id);
        return log[0]?.status === 'delivered' ? log : undefined;
      });
      expect(entry).toMatchObject({ endpoint_id: null, check_id: check.id, url: `${receiver.url}?check=1`, attempts: 1 });
      const [req] = receiver.requests;
      if (!req) throw new Error('no request');
      expect(req.path).toBe('/hooks/livecheck?check=1');
      const { secret } = (await (await t.request(`/admin/tenants/${tenant}/webhook_secret`, { key: ADMIN_KEY })).json()) as { secret: string };
      expect(signedBy(secret, req)).toBe(true);
      expect((JSON.parse(req.body) as EventBody).data.id).toBe(check.id);
    });

    it('fans one event out to every active endpoint of the tenant and the check URL, each with its own secret', async () => {
      const second = await startReceiver();
      try {
        const a = await createEndpoint(t, tenant, receiver.url);
        const b = await createEndpoint(t, tenant, second.url);
        const removed = await createEndpoint(t, tenant, second.url);
        await t.request(`/admin/webhook_endpoints/${removed.id}`, { method: 'DELETE', key: ADMIN_KEY });
        const check = await expiredCheck(t, key, { webhook_url: second.url });
        await delivered(a.id);
        await delivered(b.id);
        const log = await eventually(async () => {
          const all = await tenantLog(t, tenant, check.id);
          return all.length === 3 && all.every((d) => d.status === 'delivered') ? all : undefined;
        });
        expect(new Set(log.map((d) => d.event_id)).size).toBe(1);
        expect(log.map((d) => d.endpoint_id)).not.toContain(removed.id);
        expect(receiver.requests).toHaveLength(1);
        expect(second.requests).toHaveLength(2);
        const [toA] = receiver.requests;
        if (!toA) throw new Error('no request to endpoint a');
        expect(signedBy(a.secret, toA)).toBe(true);
        const { secret: tenantSecret } = (await (await t.request(`/admin/tenants/${tenant}/webhook_secret`, { key: ADMIN_KEY })).json()) as { secret: string };
        const toB = second.requests.filter((r) => signedBy(b.secret, r));
        const toCheck = second.requests.filter((r) => signedBy(tenantSecret, r));
        expect(toB).toHaveLength(1);
        expect(toCheck).toHaveLength(1);
        // Each target gets only its own signature.
        expect(toB.some((r) => signedBy(a.secret, r) || signedBy(tenantSecret, r))).toBe(false);
      } finally {
        await second.close();
      }
    });

    it('redelivers on request with the same webhook-id and a fresh attempt count', async () => {
      const endpoint = await createEndpoint(t, tenant, receiver.url);
      await expiredCheck(t, key);
      const first = await delivered(endpoint.id);
      const res = await t.request(`/admin/webhook_deliveries/${first.id}/redeliver`, { method: 'POST', key: ADMIN_KEY });
      expect(res.status).toBe(202);
      expect((await res.json()) as DeliveryLog).toMatchObject({ id: first.id, status: 'pending', attempts: 0, delivered_at: null });
      await eventually(() => receiver.requests.length === 2 || undefined, 15_000, 'the redelivery');
      const again = await delivered(endpoint.id);
      expect(again).toMatchObject({ id: first.id, status: 'delivered', attempts: 1 });
      expect(receiver.requests[1]?.headers['webhook-id']).toBe(receiver.requests[0]?.headers['webhook-id']);
      expect(receiver.requests[1]?.body).toBe(receiver.requests[0]?.body);
      const audit = await t.request(`/admin/audit_log?subject=${first.id}`, { key: ADMIN_KEY });
      expect(((await audit.json()) as { entries: Array<{ action: string; actor: string }> }).entries).toEqual([
        expect.objectContaining({ action: 'webhook_delivery.redeliver', actor: 'admin' }),
      ]);
    });
  });

  describe('error', () => {
    it('does not follow redirects: a 307 is a failed attempt and the redirect target sees nothing', async () => {
      const elsewhere = await startReceiver();
      try {
        receiver.redirectTo(elsewhere.url);
        const endpoint = await createEndpoint(t, tenant, receiver.url);
        await expiredCheck(t, key);
        const [entry] = await eventually(async () => {
          const log = await endpointLog(t, endpoint.id);
          return attemptRecorded(log[0], 1) ? log : undefined;
        });
        expect(entry).toMatchObject({ status: 'pending', last_status_code: 307 });
        expect(entry?.last_error).toContain('redirect');
        expect(elsewhere.requests).toHaveLength(0);
      } finally {
        await elsewhere.close();
      }
    });

    it('gives up after the last scheduled attempt, about a day after the first', async () => {
      receiver.respondWith(...Array<number>(11).fill(500));
      const endpoint = await createEndpoint(t, tenant, receiver.url);
      await expiredCheck(t, key);
      const started = t.clock.now();
      for (let attempt = 1; attempt <= 11; attempt++) {
        const entry = await eventually(async () => {
          const [e] = await endpointLog(t, endpoint.id);
          return attemptRecorded(e, attempt) ? e : undefined;
        }, 15_000, `attempt ${attempt}`);
        if (attempt < 11) {
          expect(entry.status).toBe('pending');
          skipBackoff(t, Date.parse(entry.next_attempt_at ?? '') - t.clock.now());
        } else {
          expect(entry).toMatchObject({ status: 'failed', next_attempt_at: null, last_status_code: 500 });
          expect(entry.last_error).toContain('gave up after 11 attempts');
        }
      }
      const hours = (t.clock.now() - started) / 3_600_000;
      expect(hours).toBeGreaterThan(18);
      expect(hours).toBeLessThan(30);
      expect(receiver.requests).toHaveLength(11);
    });

    it('cancels pending retries when the endpoint is deleted, and refuses to redeliver to it', async () => {
      receiver.respondWith(500);
      const endpoint = await createEndpoint(t, tenant, receiver.url);
      await expiredCheck(t, key);
      const [entry] = await eventually(async () => {
        const log = await endpointLog(t, endpoint.id);
        return attemptRecorded(log[0], 1) ? log : undefined;
      });
      await t.request(`/admin/webhook_endpoints/${endpoint.id}`, { method: 'DELETE', key: ADMIN_KEY });
      skipBackoff(t, 60_000);
      await new Promise((r) => setTimeout(r, 300));
      const [after] = await endpointLog(t, endpoint.id);
      expect(after).toMatchObject({ id: entry?.id, status: 'cancelled', attempts: 1, next_attempt_at: null });
      expect(receiver.requests).toHaveLength(1);
      const res = await t.request(`/admin/webhook_deliveries/${entry?.id}/redeliver`, { method: 'POST', key: ADMIN_KEY });
      expect(res.status).toBe(404);
    });
  });

  describe('security', () => {
    it('keeps tenants apart: an event goes only to its own tenant’s endpoints and log', async () => {
      const other = await startReceiver();
      try {
        const otherTenant = `${tenant}-other`;
        const mine = await createEndpoint(t, tenant, receiver.url);
        const theirs = await createEndpoint(t, otherTenant, other.url);
        const check = await expiredCheck(t, key);
        await delivered(mine.id);
        await t.service.webhookWorker?.settled();
        expect(other.requests).toHaveLength(0);
        expect(await endpointLog(t, theirs.id)).toEqual([]);
        expect(await tenantLog(t, otherTenant)).toEqual([]);
        expect((await tenantLog(t, tenant)).map((d) => d.check_id)).toEqual([check.id]);
      } finally {
        await other.close();
      }
    });
  });
});
