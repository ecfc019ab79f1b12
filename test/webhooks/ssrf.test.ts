// With private targets refused (the default), deliveries to loopback, private, link-local and
// metadata addresses are refused after resolution, recorded in the log, and never connected to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { type Receiver, attemptRecorded, createEndpoint, endpointLog, eventually, expiredCheck, startReceiver, tenantLog } from './helpers.js';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
});
afterAll(() => analyzer.close());

describe.each(STORE_KINDS)('webhook SSRF protection on %s', (kind) => {
  let t: TestService;
  let receiver: Receiver;
  let key: string;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer });
    key = await t.tenantKey('acme');
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await t.stop();
    await receiver.close();
  });

  const targets = () => [
    { url: `http://127.0.0.1:${receiver.port}/hook`, reason: 'loopback' },
    { url: 'http://169.254.169.254/latest/meta-data/', reason: 'link-local' },
    { url: `http://[::1]:${receiver.port}/hook`, reason: 'loopback' },
    { url: 'http://10.0.0.1/hook', reason: 'private' },
    { url: `http://[::ffff:127.0.0.1]:${receiver.port}/hook`, reason: 'loopback, embedded in IPv6' },
    { url: 'http://100.64.0.1/hook', reason: 'CGNAT' },
    { url: `http://0.0.0.0:${receiver.port}/hook`, reason: 'unspecified' },
  ];

  it('refuses each forbidden per-check webhook_url, logs why, and never contacts it', async () => {
    for (const { url, reason } of targets()) {
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

  it('checks host names after DNS resolution: an endpoint on localhost is refused at delivery', async () => {
    const endpoint = await createEndpoint(t, 'acme', `http://localhost:${receiver.port}/hook`);
    await expiredCheck(t, key);
    const [entry] = await eventually(async () => {
      const log = await endpointLog(t, endpoint.id);
      return attemptRecorded(log[0], 1) ? log : undefined;
    });
    expect(entry?.last_error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(entry?.status).toBe('pending');

    // Checked again on every attempt, not only the first.
    t.clock.advance(6_000);
    t.service.webhookWorker?.wake();
    const [second] = await eventually(async () => {
      const log = await endpointLog(t, endpoint.id);
      return attemptRecorded(log[0], 2) ? log : undefined;
    });
    expect(second?.last_error).toMatch(/^refused: localhost resolves to/);
    expect(receiver.requests).toHaveLength(0);
  });

  it('counts refusals in /metrics', async () => {
    const text = await (await t.request('/metrics')).text();
    expect(text).toMatch(/livecheck_webhook_deliveries_total\{outcome="refused"\} [1-9]/);
  });
});
