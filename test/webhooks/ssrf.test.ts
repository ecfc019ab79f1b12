// With private targets refused (the default): URLs whose host is a forbidden literal IP or localhost
// are refused when a check or endpoint is created (400); host names that resolve to loopback,
// private, link-local or metadata addresses are refused after resolution on every attempt,
// recorded in the log, and never connected to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import type { Resolver } from '../../src/webhooks/transport.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { type Receiver, attemptRecorded, createEndpoint, endpointLog, eventually, expiredCheck, startReceiver, tenantLog } from './helpers.js';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
});
afterAll(() => analyzer.close());

/** Names standing for hosts whose DNS answers point inside: `<case>.inside.example`. */
const INSIDE: Record<string, string[]> = {
  loopback: ['127.0.0.1'],
  metadata: ['169.254.169.254'],
  private: ['10.0.0.1'],
  mapped: ['::ffff:127.0.0.1'],
  cgnat: ['100.64.0.1'],
  // One public answer does not make it safe: the client may connect to any of them.
  mixed: ['93.184.215.14', '192.168.1.10'],
};

const insideResolver: Resolver = async (host) => {
  const answers = INSIDE[host.replace(/\.inside\.example$/, '')];
  if (!answers) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
};

interface ErrorBody {
  error: { code: string; message: string; request_id: string };
}

describe.each(STORE_KINDS)('webhook SSRF protection on %s', (kind) => {
  let t: TestService;
  let receiver: Receiver;
  let key: string;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer, webhookResolver: insideResolver });
    key = await t.tenantKey('acme');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await t.stop();
    await receiver.close();
  });

  const literals = () => [
    { url: `http://127.0.0.1:${receiver.port}/hook`, reason: 'loopback' },
    { url: 'http://169.254.169.254/latest/meta-data/', reason: 'link-local' },
    { url: `http://[::1]:${receiver.port}/hook`, reason: 'loopback' },
    { url: 'http://10.0.0.1/hook', reason: 'private' },
    { url: `http://[::ffff:127.0.0.1]:${receiver.port}/hook`, reason: 'loopback, embedded in IPv6' },
    { url: 'http://100.64.0.1/hook', reason: 'CGNAT' },
    { url: `http://0.0.0.0:${receiver.port}/hook`, reason: 'unspecified' },
    // The URL parser turns these spellings into 127.0.0.1 before anything else sees them.
    { url: `http://2130706433:${receiver.port}/hook`, reason: 'loopback' },
    { url: `http://0x7f.1:${receiver.port}/hook`, reason: 'loopback' },
    { url: `http://localhost:${receiver.port}/hook`, reason: 'localhost' },
    { url: `http://LocalHost.:${receiver.port}/hook`, reason: 'localhost' },
    { url: `http://api.localhost:${receiver.port}/hook`, reason: 'localhost' },
  ];

  it('refuses a per-check webhook_url on a forbidden literal IP or localhost with a 400, creating nothing', async () => {
    for (const { url, reason } of literals()) {
      const res = await t.request('/liveness_check', { method: 'POST', key, json: { webhook_url: url, reference: 'refused' } });
      expect(res.status, url).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.error.code, url).toBe('invalid_request');
      expect(body.error.message, url).toMatch(/^webhook_url points to a /);
      expect(body.error.message, url).toContain(reason);
      expect(body.error.message, url).toContain('LIVECHECK_ALLOW_PRIVATE_WEBHOOKS=true');
      expect(body.error.request_id).toMatch(/^req_/);
    }
    const created = await t.service.store.db.selectFrom('liveness_checks').select('id').where('reference', '=', 'refused').execute();
    expect(created).toEqual([]);
  });

  it('refuses tenant endpoints on localhost names too (literal IPs: admin-webhooks.test.ts)', async () => {
    for (const url of [`http://localhost:${receiver.port}/hook`, 'https://LOCALHOST./hook', 'http://a.b.localhost/hook']) {
      const res = await t.request('/admin/webhook_endpoints', { method: 'POST', key: ADMIN_KEY, json: { tenant: 'acme', url } });
      expect(res.status, url).toBe(400);
      expect(((await res.json()) as ErrorBody).error.message, url).toMatch(/^url points to a loopback \(localhost\) address.*LIVECHECK_ALLOW_PRIVATE_WEBHOOKS/);
    }
  });

  it('accepts public hosts, and names that only look local (checked after DNS at delivery)', async () => {
    for (const url of ['https://hooks.example.com/livecheck', 'http://93.184.215.14:8080/hook', 'https://localhost.example.com/hook', 'https://mylocalhost/hook']) {
      const res = await t.request('/liveness_check', { method: 'POST', key, json: { webhook_url: url } });
      expect(res.status, url).toBe(201);
    }
  });

  it('accepts a private per-check webhook_url once LIVECHECK_ALLOW_PRIVATE_WEBHOOKS=true', async () => {
    const open = await startTestService(kind, { analyzer, runJobs: false, store: t.store, env: { LIVECHECK_ALLOW_PRIVATE_WEBHOOKS: 'true' } });
    try {
      const openKey = await open.tenantKey('acme');
      for (const url of [`http://127.0.0.1:${receiver.port}/hook`, 'http://localhost:9/hook', 'http://10.0.0.1/hook']) {
        const res = await open.request('/liveness_check', { method: 'POST', key: openKey, json: { webhook_url: url } });
        expect(res.status, url).toBe(201);
      }
    } finally {
      await open.stop();
    }
  });

  it('refuses each per-check webhook_url whose host resolves inside, logs why, and never contacts it', async () => {
    const cases = [
      { host: 'loopback', reason: 'resolves to 127.0.0.1, a loopback address' },
      { host: 'metadata', reason: 'resolves to 169.254.169.254, a link-local' },
      { host: 'private', reason: 'resolves to 10.0.0.1, a private address' },
      { host: 'mapped', reason: 'a loopback, embedded in IPv6 address' },
      { host: 'cgnat', reason: 'CGNAT' },
      { host: 'mixed', reason: 'resolves to 192.168.1.10, a private address' },
    ];
    for (const { host, reason } of cases) {
      const url = `http://${host}.inside.example:${receiver.port}/hook`;
      const check = await expiredCheck(t, key, { webhook_url: url });
      const [entry] = await eventually(async () => {
        const log = await tenantLog(t, 'acme', check.id);
        return attemptRecorded(log[0], 1) ? log : undefined;
      }, 15_000, `the refusal of ${url}`);
      expect(entry, url).toMatchObject({ status: 'pending', attempts: 1, last_status_code: null, delivered_at: null });
      expect(entry?.last_error, url).toMatch(/^refused: /);
      expect(entry?.last_error, url).toContain(reason);
      expect(entry?.last_error, url).toContain('LIVECHECK_ALLOW_PRIVATE_WEBHOOKS');
    }
    expect(receiver.requests).toHaveLength(0);
  });

  it('checks endpoint host names after DNS resolution, on every attempt', async () => {
    const endpoint = await createEndpoint(t, 'acme', `http://loopback.inside.example:${receiver.port}/hook`);
    await expiredCheck(t, key);
    const [entry] = await eventually(async () => {
      const log = await endpointLog(t, endpoint.id);
      return attemptRecorded(log[0], 1) ? log : undefined;
    });
    expect(entry?.last_error).toMatch(/^refused: loopback\.inside\.example resolves to 127\.0\.0\.1, a loopback address/);
    expect(entry?.status).toBe('pending');

    // Checked again on every attempt, not only the first.
    t.clock.advance(6_000);
    t.service.webhookWorker?.wake();
    const [second] = await eventually(async () => {
      const log = await endpointLog(t, endpoint.id);
      return attemptRecorded(log[0], 2) ? log : undefined;
    });
    expect(second?.last_error).toMatch(/^refused: loopback\.inside\.example resolves to/);
    expect(receiver.requests).toHaveLength(0);
  });

  it('counts refusals in /metrics', async () => {
    const text = await (await t.request('/metrics')).text();
    expect(text).toMatch(/livecheck_webhook_deliveries_total\{outcome="refused"\} [1-9]/);
  });
});
