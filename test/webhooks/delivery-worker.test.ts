// The delivery loop as a long-running part: one broken delivery does not stop the others, and
// stop() waits for attempts in flight and is safe to call more than once.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { type Receiver, attemptRecorded, createEndpoint, endpointLog, eventually, expiredCheck, startReceiver } from './helpers.js';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
});
afterAll(() => analyzer.close());

describe.each(STORE_KINDS)('webhook delivery worker on %s', (kind) => {
  let t: TestService;
  let receiver: Receiver;
  beforeEach(async () => {
    t = await startTestService(kind, { analyzer, env: { LIVECHECK_ALLOW_PRIVATE_WEBHOOKS: 'true' } });
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await t.stop();
    await receiver.close();
  });

  it('keeps delivering when one delivery cannot even be prepared', async () => {
    const key = await t.tenantKey('acme');
    const good = await createEndpoint(t, 'acme', receiver.url);
    const broken = await createEndpoint(t, 'acme', `${receiver.url}/broken`);
    // Its secrets were sealed with a key this process does not have.
    await t.service.store.db.updateTable('webhook_endpoints').set({ secrets_sealed: Buffer.alloc(64, 7) }).where('id', '=', broken.id).execute();

    await expiredCheck(t, key);
    const [failed] = await eventually(async () => {
      const log = await endpointLog(t, broken.id);
      return attemptRecorded(log[0], 1) ? log : undefined;
    });
    expect(failed).toMatchObject({ status: 'pending', last_status_code: null });
    expect(failed?.last_error).toContain('internal error');
    expect(failed?.next_attempt_at).not.toBeNull();

    // The loop is alive: the good endpoint gets this event and the next one.
    await expiredCheck(t, key);
    await eventually(async () => {
      const log = await endpointLog(t, good.id);
      return log.length === 2 && log.every((d) => d.status === 'delivered') ? log : undefined;
    });
    expect(receiver.requests.filter((r) => r.path === '/hooks/livecheck')).toHaveLength(2);
    expect(receiver.requests.filter((r) => r.path.endsWith('/broken'))).toHaveLength(0);
  });

  it('stop() waits for the attempt in flight, is safe twice, and takes no more work', async () => {
    const worker = t.service.webhookWorker;
    if (!worker) throw new Error('the service runs no delivery worker');
    const key = await t.tenantKey('acme');
    const endpoint = await createEndpoint(t, 'acme', receiver.url);
    receiver.delayAnswers(400);
    await expiredCheck(t, key);
    await eventually(() => receiver.requests.length === 1 || undefined, 15_000, 'the attempt to start');

    await Promise.all([worker.stop(), worker.stop()]);
    // The attempt that was in flight finished and was recorded before stop() resolved.
    const [entry] = await endpointLog(t, endpoint.id);
    expect(entry).toMatchObject({ status: 'delivered', attempts: 1 });
    await worker.stop();

    await expiredCheck(t, key);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(receiver.requests).toHaveLength(1);
    expect(await endpointLog(t, endpoint.id)).toHaveLength(1);
  });
});
