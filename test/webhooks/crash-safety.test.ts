// The outbox survives the process: an event recorded while no delivery worker runs is delivered by
// the next process, and a delivery leased by a worker that died is taken over once its lease ends.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { startTestService } from '../helpers/service.js';
import { STORE_KINDS, type TestStore, testStore } from '../helpers/stores.js';
import { type Receiver, createEndpoint, endpointLog, eventually, expiredCheck, signedBy, startReceiver } from './helpers.js';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
});
afterAll(() => analyzer.close());

const env = { LIVECHECK_ALLOW_PRIVATE_WEBHOOKS: 'true' };

describe.each(STORE_KINDS)('webhook crash safety on %s', (kind) => {
  // One store for the file, outliving the processes started on it; each test has its own tenant.
  let store: TestStore;
  let receiver: Receiver;
  beforeAll(() => {
    store = testStore(kind);
  });
  afterAll(() => store.dispose());
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(() => receiver.close());

  it('delivers after a restart an event recorded while no delivery worker ran', async () => {
    const clock = new ManualClock(Date.now());
    const before = await startTestService(kind, { analyzer, store, clock, env, runJobs: false });
    const key = await before.tenantKey('acme');
    const endpoint = await createEndpoint(before, 'acme', receiver.url);
    const check = await expiredCheck(before, key);
    expect(before.service.webhookWorker).toBeUndefined();
    const events = await before.service.store.db.selectFrom('webhook_events').selectAll().where('check_id', '=', check.id).execute();
    expect(events).toMatchObject([{ check_id: check.id, type: 'liveness_check.expired', dispatched_at: null }]);
    await before.stop();
    expect(receiver.requests).toHaveLength(0);

    const after = await startTestService(kind, { analyzer, store, clock, env });
    try {
      const [entry] = await eventually(async () => {
        const log = await endpointLog(after, endpoint.id);
        return log[0]?.status === 'delivered' ? log : undefined;
      });
      expect(entry).toMatchObject({ check_id: check.id, attempts: 1, last_status_code: 200 });
      expect(receiver.requests).toHaveLength(1);
      const [req] = receiver.requests;
      if (!req) throw new Error('no request');
      expect(signedBy(endpoint.secret, req)).toBe(true);
      expect(JSON.parse(req.body)).toMatchObject({ type: 'liveness_check.expired', data: { id: check.id } });
    } finally {
      await after.stop();
    }
  });

  it('retakes a delivery whose worker died mid-attempt once the lease runs out', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestService(kind, { analyzer, store, clock, env, runJobs: false });
    const key = await t.tenantKey('globex');
    const endpoint = await createEndpoint(t, 'globex', receiver.url);
    await expiredCheck(t, key);
    // A worker of another process fanned the event out, claimed the delivery, then died.
    const { dispatchEvents } = await import('../../src/webhooks/dispatcher.js');
    const { claimDelivery } = await import('../../src/webhooks/delivery-store.js');
    await dispatchEvents(t.service.store.db, t.service.store.dialect, clock.now());
    const claimed = await claimDelivery(t.service.store.db, t.service.store.dialect, { worker: 'dead-worker', now: clock.now(), leaseMs: 60_000, exclude: [] });
    expect(claimed?.attempts).toBe(1);
    await t.stop();

    const after = await startTestService(kind, { analyzer, store, clock, env });
    try {
      await new Promise((r) => setTimeout(r, 500));
      expect(receiver.requests).toHaveLength(0);
      clock.advance(60_001);
      after.service.webhookWorker?.wake();
      const [entry] = await eventually(async () => {
        const log = await endpointLog(after, endpoint.id);
        return log[0]?.status === 'delivered' ? log : undefined;
      });
      expect(entry).toMatchObject({ attempts: 2, last_status_code: 200 });
      expect(receiver.requests).toHaveLength(1);
    } finally {
      await after.stop();
    }
  });
});
