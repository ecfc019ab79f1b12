// LIVECHECK_TRUST_PROXY: which X-Forwarded-For hops decide the client address of the per-address
// rate limit. Off by default, so a client cannot pick a fresh address per request to dodge the
// limit; behind a configured proxy each real client gets its own bucket.
import { afterAll, describe, expect, it } from 'vitest';
import { type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { expectEnvelope } from './session.js';

/** Three requests per address, refilled slowly enough not to matter during a test. */
const LIMIT = { LIVECHECK_RATE_LIMIT_CLIENT_ADDRESS: '0.01/3' };

describe.each(STORE_KINDS)('client address behind proxies on %s', (kind) => {
  const services: TestService[] = [];
  const start = async (trustProxy?: string) => {
    // An API-only process: no models to load, and the limits are the API's.
    const t = await startTestService(kind, { env: { LIVECHECK_ROLE: 'api', ...LIMIT, ...(trustProxy !== undefined ? { LIVECHECK_TRUST_PROXY: trustProxy } : {}) } });
    services.push(t);
    return t;
  };
  afterAll(async () => {
    for (const t of services) await t.stop();
  });

  /** GET /openapi.json as the client behind `forwardedFor` claims to be. */
  const hit = (t: TestService, forwardedFor?: string) =>
    t.request('/openapi.json', forwardedFor === undefined ? {} : { headers: { 'x-forwarded-for': forwardedFor } });
  const statuses = async (t: TestService, forwardedFor: string[]) => {
    const out: number[] = [];
    for (const header of forwardedFor) out.push((await hit(t, header)).status);
    return out;
  };

  it('ignores X-Forwarded-For by default: a new forged address per request does not dodge the limit', async () => {
    const t = await start();
    expect(await statuses(t, ['198.51.100.1', '198.51.100.2', '198.51.100.3'])).toEqual([200, 200, 200]);
    const limited = await hit(t, '198.51.100.4');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await expectEnvelope(limited)).error.message).toContain('from this address');
    expect((await hit(t)).status).toBe(429);
  });

  it('ignores it too when the peer is not one of the listed proxies', async () => {
    const t = await start('10.0.0.0/8, 192.168.0.1');
    expect(await statuses(t, ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'])).toEqual([200, 200, 200, 429]);
  });

  it('honours it from a listed proxy: each client behind it has its own bucket', async () => {
    const t = await start('127.0.0.1/32,::1');
    expect(await statuses(t, ['203.0.113.7', '203.0.113.7', '203.0.113.7', '203.0.113.7'])).toEqual([200, 200, 200, 429]);
    expect(await statuses(t, ['203.0.113.8', '203.0.113.8'])).toEqual([200, 200]);
    // A forged entry in front of the one the proxy appended changes nothing: the proxy is trusted, not the client.
    expect((await hit(t, '198.51.100.99, 203.0.113.7')).status).toBe(429);
    // Requests straight from the proxy's own address are counted as that address.
    for (let i = 0; i < 3; i++) expect((await hit(t)).status).toBe(200);
    expect((await hit(t)).status).toBe(429);
  });

  it('honours a hop count: the nearest hops are trusted, earlier entries are not', async () => {
    const t = await start('1');
    expect(await statuses(t, ['a, 203.0.113.20', 'b, 203.0.113.20', 'c, 203.0.113.20', 'd, 203.0.113.20'])).toEqual([200, 200, 200, 429]);
    expect((await hit(t, '203.0.113.21')).status).toBe(200);
  });

  it('honours true: every hop is trusted (only for a proxy that cannot be bypassed)', async () => {
    const t = await start('true');
    expect(await statuses(t, ['203.0.113.30', '203.0.113.30', '203.0.113.30', '203.0.113.30'])).toEqual([200, 200, 200, 429]);
    expect((await hit(t, '203.0.113.31')).status).toBe(200);
  });
});
