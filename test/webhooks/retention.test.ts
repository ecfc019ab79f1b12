// Retention of the webhook tables (LIVECHECK_WEBHOOK_LOG_TTL): the sweeper deletes finished
// deliveries and dispatched events once they are older than the TTL, and deleted endpoints with no
// log left; anything still pending stays whatever its age. Driven by the ManualClock, read from the store.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { type Endpoint, type Receiver, attemptRecorded, createEndpoint, endpointLog, eventually, expiredCheck, skipBackoff, startReceiver } from './helpers.js';

const DAY = 86_400_000;

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
});
afterAll(() => analyzer.close());

describe('LIVECHECK_WEBHOOK_LOG_TTL configuration', () => {
  it('defaults to 30 days and refuses less than an hour, naming the variable', () => {
    expect(loadConfig({}).webhookLogTtlSeconds).toBe(30 * 86_400);
    expect(loadConfig({ LIVECHECK_WEBHOOK_LOG_TTL: '86400' }).webhookLogTtlSeconds).toBe(86_400);
    expect(() => loadConfig({ LIVECHECK_WEBHOOK_LOG_TTL: '60' })).toThrow('LIVECHECK_WEBHOOK_LOG_TTL');
    expect(() => loadConfig({ LIVECHECK_WEBHOOK_LOG_TTL: 'a week' })).toThrow('LIVECHECK_WEBHOOK_LOG_TTL');
  });
});

describe.each(STORE_KINDS)('webhook log retention on %s', (kind) => {
  let t: TestService;
  let ok: Receiver;
  let flaky: Receiver;
  let key: string;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer, env: { LIVECHECK_ALLOW_PRIVATE_WEBHOOKS: 'true', LIVECHECK_WEBHOOK_LOG_TTL: String(2 * 86_400) } });
    // Sweeps run when the test says, not on the background timer (which would race the counts).
    await t.service.sweeper?.stop();
    key = await t.tenantKey('acme');
    ok = await startReceiver();
    flaky = await startReceiver();
  });
  afterAll(async () => {
    await t.stop();
    await ok.close();
    await flaky.close();
  });

  const db = () => t.service.store.db;
  const sweep = async () => {
    const sweeper = t.service.sweeper;
    if (!sweeper) throw new Error('this service runs no sweeper');
    return sweeper.sweepNow();
  };
  const deliveriesOf = async (eventIds: string[]) =>
    eventIds.length === 0 ? [] : db().selectFrom('webhook_deliveries').select(['id', 'endpoint_id', 'status']).where('event_id', 'in', eventIds).execute();
  const eventsOf = async (checkId: string) => (await db().selectFrom('webhook_events').select('id').where('check_id', '=', checkId).execute()).map((e) => e.id);
  const settled = async (endpoint: Endpoint, attempts: number) =>
    eventually(async () => {
      const [entry] = await endpointLog(t, endpoint.id);
      return attemptRecorded(entry, attempts) ? entry : undefined;
    }, 15_000, `attempt ${attempts} to ${endpoint.url}`);

  it('deletes finished deliveries, their events and deleted endpoints past the TTL, never what is pending', async () => {
    const delivered = await createEndpoint(t, 'acme', ok.url);
    const retried = await createEndpoint(t, 'acme', flaky.url);
    const cancelled = await createEndpoint(t, 'acme', `${flaky.url}/gone`);
    flaky.respondWith(...Array<number>(50).fill(500));

    const old = await expiredCheck(t, key);
    expect((await settled(delivered, 1)).status).toBe('delivered');
    expect((await settled(retried, 1)).status).toBe('pending');
    expect((await settled(cancelled, 1)).status).toBe('pending');
    expect((await t.request(`/admin/webhook_endpoints/${cancelled.id}`, { method: 'DELETE', key: ADMIN_KEY })).status).toBe(204);
    const oldEvents = await eventsOf(old.id);
    expect(oldEvents).toHaveLength(1);
    expect((await deliveriesOf(oldEvents)).map((d) => d.status).sort()).toEqual(['cancelled', 'delivered', 'pending']);

    // Within the TTL nothing goes.
    t.clock.advance(DAY);
    expect(await sweep()).toMatchObject({ webhookDeliveriesPruned: 0, webhookEventsPruned: 0, webhookEndpointsPruned: 0 });
    expect(await deliveriesOf(oldEvents)).toHaveLength(3);

    // Past it: the delivered and the cancelled delivery go, and the deleted endpoint with them; the
    // delivery still being retried keeps itself and its event. Its retry is due now and fails again.
    skipBackoff(t, 1.5 * DAY);
    await eventually(async () => ((await endpointLog(t, retried.id))[0]?.attempts ?? 0) >= 2 || undefined, 15_000, 'a second attempt');
    const recent = await expiredCheck(t, key);
    // Dispatched to the two endpoints left and delivered to the healthy one. (Waiting on the healthy
    // endpoint's newest log entry alone could see the old delivery before the new one existed.)
    const recentEvents = await eventually(
      async () => {
        const ids = await eventsOf(recent.id);
        const deliveries = await deliveriesOf(ids);
        return deliveries.length === 2 && deliveries.some((d) => d.endpoint_id === delivered.id && d.status === 'delivered') ? ids : undefined;
      },
      15_000,
      'the recent event dispatched and delivered',
    );
    const swept = await sweep();
    expect(swept).toMatchObject({ webhookDeliveriesPruned: 2, webhookEventsPruned: 0, webhookEndpointsPruned: 1 });
    expect(await deliveriesOf(oldEvents)).toEqual([expect.objectContaining({ endpoint_id: retried.id, status: 'pending' })]);
    expect(await eventsOf(old.id)).toEqual(oldEvents);
    expect(await db().selectFrom('webhook_endpoints').select('id').where('id', '=', cancelled.id).execute()).toEqual([]);
    expect(await db().selectFrom('webhook_endpoints').select('id').where('id', '=', delivered.id).execute()).toHaveLength(1);
    // The recent event and its deliveries are untouched.
    expect(recentEvents).toHaveLength(1);
    expect(await eventsOf(recent.id)).toEqual(recentEvents);
    expect(await deliveriesOf(recentEvents)).toHaveLength(2);

    // The old delivery finally succeeds: it counts from then, not from when it was created.
    flaky.clearAnswers();
    skipBackoff(t, DAY);
    await eventually(async () => (await deliveriesOf(recentEvents)).every((d) => d.status === 'delivered') || undefined, 15_000, 'the recent deliveries');
    await eventually(async () => (await deliveriesOf(oldEvents))[0]?.status === 'delivered' || undefined, 15_000, 'the retried delivery to succeed');
    expect((await sweep()).webhookDeliveriesPruned).toBe(0);
    expect(await deliveriesOf(oldEvents)).toHaveLength(1);

    t.clock.advance(2.5 * DAY);
    await sweep();
    expect(await deliveriesOf(oldEvents)).toEqual([]);
    expect(await eventsOf(old.id)).toEqual([]);
    expect(await eventsOf(recent.id)).toEqual([]);
    expect(await endpointLog(t, delivered.id)).toEqual([]);
  });

  it('keeps an event that was never dispatched, whatever its age', async () => {
    // Stop deliveries so the event stays undispatched, as after a long outage of every worker.
    await t.service.webhookWorker?.stop();
    const id = `msg_${randomUUID().replaceAll('-', '')}`;
    const createdAt = t.clock.now();
    await db()
      .insertInto('webhook_events')
      .values({ id, tenant: 'acme', check_id: randomUUID(), type: 'liveness_check.expired', payload: '{}', created_at: createdAt, dispatched_at: null })
      .execute();
    t.clock.advance(10 * DAY);
    await sweep();
    expect(await db().selectFrom('webhook_events').select('id').where('id', '=', id).execute()).toEqual([{ id }]);
  });
});
