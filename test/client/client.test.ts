// The SDK against a real livecheck process (real store, real models, real HTTP), with a flaky proxy
// in front of it where a failing network is the point of the test.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import {
  LivecheckApiError,
  LivecheckClient,
  LivecheckNetworkError,
  LivecheckTimeoutError,
  type PollEvent,
} from '../../packages/client/src/index.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { type FlakyProxy, RecordingClock, captureBlankSession, closedPort, startCapture, startFlakyProxy } from './helpers.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
let t: TestService;
let key: string;
let proxy: FlakyProxy;

beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
  t = await startTestService('sqlite', { analyzer });
  key = await t.tenantKey('acme');
  proxy = await startFlakyProxy(t.url);
});
afterAll(async () => {
  await proxy?.close();
  await t?.stop();
  await analyzer?.close();
});

/** A client talking to the service directly. */
const direct = (clock = new RecordingClock()) => new LivecheckClient({ baseUrl: t.url, apiKey: key, clock });
/** A client talking through the proxy, reset to pass everything. */
function viaProxy(clock = new RecordingClock(), behaviour: Parameters<FlakyProxy['set']>[0] = { failures: 0, mode: '503' }) {
  proxy.set(behaviour);
  proxy.requests.length = 0;
  return new LivecheckClient({ baseUrl: `${proxy.url}/`, apiKey: key, clock });
}

async function checksWithReference(reference: string): Promise<number> {
  const rows = await t.service.store.db.selectFrom('liveness_checks').select('id').where('reference', '=', reference).execute();
  return rows.length;
}

describe('createCheck', () => {
  it('sends an Idempotency-Key of its own and maps the answer', async () => {
    const client = viaProxy();
    const before = t.clock.now();
    const created = await client.createCheck({ reference: 'sdk-create', expiresIn: 600, auditImages: 1, threshold: 0.7, redirectUrl: 'https://shop.example/done' });
    expect(created).toEqual({
      id: expect.stringMatching(UUID),
      mode: 'live',
      token: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      url: expect.stringMatching(/\/c\/cap_[A-Za-z0-9]{40}$/),
      status: 'pending',
      expiresAt: new Date(before + 600_000).toISOString(),
      reference: 'sdk-create',
    });
    expect(proxy.requests).toHaveLength(1);
    expect(proxy.requests[0]?.headers['idempotency-key']).toMatch(UUID);
    expect(proxy.requests[0]?.headers.authorization).toBe(`Bearer ${key}`);
    const again = await client.createCheck({ reference: 'sdk-create' });
    expect(proxy.requests[1]?.headers['idempotency-key']).not.toBe(proxy.requests[0]?.headers['idempotency-key']);
    expect(again.id).not.toBe(created.id);
  });

  it('the same idempotency key returns the same check; another body with it is a typed 422', async () => {
    const client = direct();
    const a = await client.createCheck({ reference: 'sdk-idem' }, { idempotencyKey: 'sdk-idem-1' });
    const b = await client.createCheck({ reference: 'sdk-idem' }, { idempotencyKey: 'sdk-idem-1' });
    expect(b).toEqual(a);
    expect(await checksWithReference('sdk-idem')).toBe(1);
    const error = await client.createCheck({ reference: 'other' }, { idempotencyKey: 'sdk-idem-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LivecheckApiError);
    expect(error).toMatchObject({ status: 422, code: 'idempotency_key_reused', requestId: expect.stringMatching(/^req_/) });
  });

  it('a lost answer (503 after the service created the check) is retried with the same key: one check', async () => {
    const clock = new RecordingClock({ random: [0, 0, 0] });
    const client = viaProxy(clock, { failures: 2, mode: '503-after-forwarding' });
    const created = await client.createCheck({ reference: 'sdk-lost-answer' });
    expect(proxy.failed).toBe(2);
    expect(proxy.requests).toHaveLength(3);
    const keys = new Set(proxy.requests.map((r) => r.headers['idempotency-key']));
    expect(keys.size).toBe(1);
    expect(await checksWithReference('sdk-lost-answer')).toBe(1);
    expect((await direct().getCheck(created.token)).id).toBe(created.id);
    // Backoff between the attempts: 0.5 s, then 1 s (random 0 = no jitter).
    expect(clock.sleeps).toEqual([500, 1000]);
  });

  it('connection resets are retried too', async () => {
    const client = viaProxy(new RecordingClock(), { failures: 1, mode: 'reset' });
    const created = await client.createCheck({ reference: 'sdk-reset' });
    expect(proxy.failed).toBe(1);
    expect(await checksWithReference('sdk-reset')).toBe(1);
    expect(created.status).toBe('pending');
  });

  it('gives up after maxRetries with the last answer as a typed error', async () => {
    proxy.set({ failures: 100, mode: '503' });
    proxy.requests.length = 0;
    const clock = new RecordingClock({ random: [0, 0, 0, 0] });
    const client = new LivecheckClient({ baseUrl: proxy.url, apiKey: key, clock, maxRetries: 2 });
    const error = await client.createCheck({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LivecheckApiError);
    expect(error).toMatchObject({ status: 503, code: 'unexpected_response', requestId: undefined });
    expect(proxy.requests).toHaveLength(3);
    expect(clock.sleeps).toEqual([500, 1000]);
  });

  it('a 400 is not retried and carries the request id', async () => {
    const client = viaProxy(new RecordingClock(), { failures: 0, mode: '503' });
    const error = await client.createCheck({ threshold: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LivecheckApiError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_request', requestId: expect.stringMatching(/^req_[0-9a-f]{32}$/) });
    expect((error as Error).message).toContain('threshold');
    expect(proxy.requests).toHaveLength(1);
  });

  it('an unreachable service is a LivecheckNetworkError after the retries', async () => {
    const clock = new RecordingClock();
    const client = new LivecheckClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, apiKey: key, clock, maxRetries: 1 });
    const error = await client.createCheck({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LivecheckNetworkError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(clock.sleeps).toHaveLength(1);
  });

  it('a request that outlasts timeoutMs is a LivecheckTimeoutError', async () => {
    // A server that accepts and never answers.
    const { createServer } = await import('node:net');
    const sockets: Array<import('node:net').Socket> = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as import('node:net').AddressInfo).port;
    try {
      const client = new LivecheckClient({ baseUrl: `http://127.0.0.1:${port}`, apiKey: key, timeoutMs: 100, maxRetries: 0 });
      const error = await client.getCheck('x'.repeat(32)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LivecheckTimeoutError);
    } finally {
      sockets.forEach((s) => s.destroy());
      silent.close();
    }
  });
});

describe('getCheck', () => {
  it('pending: 202 with retryAfterMs from Retry-After', async () => {
    const client = direct();
    const created = await client.createCheck();
    expect(await client.getCheck(created.token)).toEqual({ id: created.id, mode: 'live', status: 'pending', expiresAt: created.expiresAt, retryAfterMs: 3000 });
  });

  it('in_progress once the capture started', async () => {
    const client = direct();
    const created = await client.createCheck();
    await startCapture(t, created.url);
    expect(await client.getCheck(created.token)).toMatchObject({ id: created.id, status: 'in_progress', retryAfterMs: 3000 });
  });

  it('expired: the link ran out unused (410)', async () => {
    const client = direct();
    const created = await client.createCheck({ expiresIn: 60 });
    t.clock.advance(61_000);
    expect(await client.getCheck(created.token)).toEqual({ id: created.id, mode: 'live', status: 'expired' });
  });

  it('failed: a finished capture with no face is a 200 with the result', async () => {
    const client = direct();
    const created = await client.createCheck({ reference: 'sdk-blank' });
    await captureBlankSession(t, created.url);
    const check = await client.waitForResult(created.token, { clock: new RecordingClock({ realMs: 50 }) });
    expect(check).toMatchObject({ id: created.id, status: 'failed', reference: 'sdk-blank', result: { passed: false, confidence: 0, failureReason: 'no_face' } });
    if (check.status !== 'failed') throw new Error('unreachable');
    expect(Date.parse(check.result.checkedAt)).not.toBeNaN();
    expect(await client.getCheck(created.token)).toEqual(check);
  });

  it('a malformed or unknown token is a typed 400 with the request id', async () => {
    const client = direct();
    for (const token of ['nope', 'A'.repeat(32)]) {
      const error = await client.getCheck(token).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LivecheckApiError);
      expect(error).toMatchObject({ status: 400, code: 'invalid_token', requestId: expect.stringMatching(/^req_/) });
    }
  });

  it('another tenant’s token is the same 400', async () => {
    const created = await direct().createCheck();
    const other = new LivecheckClient({ baseUrl: t.url, apiKey: await t.tenantKey('globex') });
    await expect(other.getCheck(created.token)).rejects.toMatchObject({ status: 400, code: 'invalid_token' });
  });

  it('a bad API key is a typed 401, not retried', async () => {
    proxy.set({ failures: 0, mode: '503' });
    proxy.requests.length = 0;
    const client = new LivecheckClient({ baseUrl: proxy.url, apiKey: 'lc_wrong', clock: new RecordingClock() });
    const error = await client.getCheck('A'.repeat(32)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LivecheckApiError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized', requestId: expect.stringMatching(/^req_/) });
    expect(proxy.requests).toHaveLength(1);
    await expect(client.createCheck()).rejects.toMatchObject({ status: 401 });
  });
});

describe('deleteCheck', () => {
  it('erases the check: its token is unknown afterwards', async () => {
    const client = direct();
    const created = await client.createCheck();
    await client.deleteCheck(created.token);
    await expect(client.getCheck(created.token)).rejects.toMatchObject({ status: 400, code: 'invalid_token' });
    await expect(client.deleteCheck(created.token)).rejects.toMatchObject({ status: 400, code: 'invalid_token' });
  });

  it('a retry after a lost answer that finds the check gone counts as done', async () => {
    const created = await direct().createCheck();
    const client = viaProxy(new RecordingClock(), { failures: 1, mode: '503-after-forwarding' });
    await client.deleteCheck(created.token);
    expect(proxy.requests.map((r) => r.method)).toEqual(['DELETE', 'DELETE']);
    await expect(direct().getCheck(created.token)).rejects.toMatchObject({ status: 400 });
  });
});

describe('waitForResult', () => {
  const base = (n: number, initial = 2500, factor = 1.5, max = 30_000) => Math.min(max, initial * factor ** n);

  it('first poll after 2.5 s, then exponential backoff with bounded jitter, never below Retry-After, capped', async () => {
    const created = await direct().createCheck();
    const randoms = [0.3, 0, 1, 0.5, 0.9, 0.1, 0.7, 0.2, 0.99, 0.4, 0.6];
    const clock = new RecordingClock({ random: [...randoms] });
    const controller = new AbortController();
    const events: PollEvent[] = [];
    const stop = new Error('enough polls');
    const waiting = direct(clock).waitForResult(created.token, {
      clock,
      maxDelayMs: 12_000,
      signal: controller.signal,
      onPoll: (event) => {
        events.push(event);
        if (event.attempt === 9) controller.abort(stop);
      },
    });
    await expect(waiting).rejects.toBe(stop);

    expect(clock.sleeps).toHaveLength(9);
    expect(clock.sleeps[0]).toBe(2500);
    for (let n = 1; n < clock.sleeps.length; n++) {
      const b = base(n, 2500, 1.5, 12_000);
      const r = randoms[n] as number;
      expect(clock.sleeps[n]).toBe(Math.round(Math.max(3000, b * (1 - 0.2 * r))));
      expect(clock.sleeps[n]).toBeGreaterThanOrEqual(3000); // Retry-After: 3
      expect(clock.sleeps[n]).toBeGreaterThanOrEqual(0.8 * b - 1);
      expect(clock.sleeps[n]).toBeLessThanOrEqual(Math.max(3000, b));
      expect(clock.sleeps[n]).toBeLessThanOrEqual(12_000);
    }
    // It grows: by the fifth delay well past the Retry-After floor, then pinned near the cap.
    expect(clock.sleeps[5]).toBeGreaterThan(10_000);
    expect(clock.sleeps.slice(6).every((d) => d >= 0.8 * 12_000)).toBe(true);
    expect(events.map((e) => e.attempt)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(events.every((e) => e.check?.status === 'pending')).toBe(true);
    expect(events.map((e) => e.nextDelayMs).slice(0, 8)).toEqual(clock.sleeps.slice(1, 9));
    expect(events[2]?.elapsedMs).toBe(clock.sleeps.slice(0, 3).reduce((a, b) => a + b, 0));
  });

  it('jitter stays within 20 % below the schedule with real randomness', async () => {
    const created = await direct().createCheck();
    const clock = new RecordingClock({ random: Math.random });
    const controller = new AbortController();
    await direct(clock)
      .waitForResult(created.token, { clock, initialDelayMs: 5000, factor: 2, maxDelayMs: 60_000, signal: controller.signal, onPoll: (e) => e.attempt === 6 && controller.abort() })
      .catch(() => undefined);
    expect(clock.sleeps).toHaveLength(6);
    clock.sleeps.forEach((delay, n) => {
      const b = base(n, 5000, 2, 60_000);
      expect(delay).toBeGreaterThanOrEqual(Math.floor(0.8 * b));
      expect(delay).toBeLessThanOrEqual(b);
    });
  });

  it('honours a Retry-After longer than the schedule', async () => {
    const created = await direct().createCheck();
    const clock = new RecordingClock({ random: [0, 0, 0, 0] });
    const client = viaProxy(clock, { failures: 0, mode: '503', retryAfterSeconds: 20 });
    const controller = new AbortController();
    await client.waitForResult(created.token, { clock, signal: controller.signal, onPoll: (e) => e.attempt === 3 && controller.abort() }).catch(() => undefined);
    expect(clock.sleeps).toEqual([2500, 20_000, 20_000]);
  });

  it('retries 5xx and network errors on the same schedule, then ends at the first terminal answer (410)', async () => {
    const created = await direct().createCheck({ expiresIn: 60 });
    const clock = new RecordingClock({ random: [0, 0, 0, 0, 0, 0, 0] });
    const client = viaProxy(clock, { failures: 3, mode: '503', match: (r) => r.method === 'GET' });
    const events: PollEvent[] = [];
    const check = await client.waitForResult(created.token, {
      clock,
      onPoll: (event) => {
        events.push(event);
        if (event.attempt === 3) proxy.set({ failures: 1, mode: 'reset' });
        // Once the service answers again, let the link run out: the next poll is the 410.
        if (event.check) t.clock.advance(61_000);
      },
    });
    expect(check).toEqual({ id: created.id, mode: 'live', status: 'expired' });
    expect(events.map((e) => (e.check ? e.check.status : e.error.name))).toEqual([
      'LivecheckApiError',
      'LivecheckApiError',
      'LivecheckApiError',
      'LivecheckNetworkError',
      'pending',
    ]);
    expect(events[0]?.error).toMatchObject({ status: 503 });
    // 2.5 s, then the schedule (no Retry-After on the proxy's 503s), then never below 3 s on 202.
    expect(clock.sleeps).toEqual([2500, 3750, 5625, 8438, 12656, 18984]);
    expect(proxy.requests.filter((r) => r.method === 'GET')).toHaveLength(6);
  });

  it('terminal on 200: a finished capture ends the wait with the result', async () => {
    const client = direct();
    const created = await client.createCheck();
    await captureBlankSession(t, created.url);
    const clock = new RecordingClock({ realMs: 50 });
    const check = await client.waitForResult(created.token, { clock });
    expect(check.status).toBe('failed');
    if (check.status === 'expired') throw new Error('unreachable');
    expect(check.result.passed).toBe(false);
  });

  it('a 400 ends the wait at once with the typed error', async () => {
    const clock = new RecordingClock();
    const error = await direct(clock).waitForResult('A'.repeat(32), { clock }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LivecheckApiError);
    expect(error).toMatchObject({ status: 400, code: 'invalid_token' });
    expect(clock.sleeps).toEqual([2500]);
  });

  it('a 401 ends the wait at once', async () => {
    const clock = new RecordingClock();
    const client = new LivecheckClient({ baseUrl: t.url, apiKey: 'lc_revoked', clock });
    await expect(client.waitForResult('A'.repeat(32), { clock })).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    expect(clock.sleeps).toHaveLength(1);
  });

  it('timeoutMs: a last poll on the deadline, then LivecheckTimeoutError', async () => {
    const created = await direct().createCheck();
    const clock = new RecordingClock({ random: [0, 0, 0, 0] });
    const error = await direct(clock).waitForResult(created.token, { clock, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LivecheckTimeoutError);
    // 2.5 + 3.75 = 6.25 s; the next 5.625 s would pass the deadline: 3.75 s to land on it.
    expect(clock.sleeps).toEqual([2500, 3750, 3750]);
  });

  it('abort during a real delay rejects at once with the signal’s reason', async () => {
    const created = await direct().createCheck();
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 50);
    const realTime = new LivecheckClient({ baseUrl: t.url, apiKey: key });
    const error = await realTime.waitForResult(created.token, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe('AbortError');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('an already aborted signal polls nothing', async () => {
    const clock = new RecordingClock();
    const controller = new AbortController();
    controller.abort();
    await expect(direct(clock).waitForResult('A'.repeat(32), { clock, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
    expect(clock.sleeps).toEqual([]);
  });

  it('refuses a schedule that would poll too fast', async () => {
    const client = direct();
    await expect(client.waitForResult('A'.repeat(32), { initialDelayMs: 100 })).rejects.toBeInstanceOf(RangeError);
    await expect(client.waitForResult('A'.repeat(32), { factor: 0.5 })).rejects.toBeInstanceOf(RangeError);
    await expect(client.waitForResult('A'.repeat(32), { jitter: 0.9 })).rejects.toBeInstanceOf(RangeError);
  });
});
