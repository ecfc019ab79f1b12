// The embedded store runs out of room (its disk, here SQLite's page limit): creating checks is refused
// with 503 `unavailable` saying the store is full, nothing half-written is left, reads go on, and
// once there is room again it works without a restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, startTestService } from '../helpers/service.js';
import { expectEnvelope } from '../security/session.js';

describe('a full embedded store', () => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService('sqlite');
  });
  afterAll(() => t.stop());

  it('refuses writes with 503 and a reason, keeps answering reads, and recovers when room is made', async () => {
    const native = t.service.store.native;
    if (native.dialect !== 'sqlite') throw new Error('expected the embedded store');
    const key = await t.tenantKey('acme');
    const first = await t.request('/liveness_check', { method: 'POST', key, json: {} });
    expect(first.status).toBe(201);
    const { token } = (await first.json()) as { token: string };
    const count = () => (native.database.prepare('select count(*) as n from liveness_checks').get() as { n: number }).n;

    // No page may be added from now on: the file is "full".
    const pages = native.database.pragma('page_count', { simple: true }) as number;
    native.database.pragma(`max_page_count = ${pages}`);
    let created = 1;
    let refused: Response | undefined;
    for (let i = 0; i < 500 && !refused; i++) {
      const res = await t.request('/liveness_check', { method: 'POST', key, json: { reference: `fill-${i}-${'x'.repeat(100)}` } });
      if (res.status === 201) created++;
      else refused = res;
    }
    if (!refused) throw new Error('the store never filled up');
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    const body = await expectEnvelope(refused);
    expect(body.error.code).toBe('unavailable');
    expect(body.error.message).toMatch(/store is full/);
    // Every 201 is a row; the refused one left none.
    expect(count()).toBe(created);
    expect((await t.request(`/liveness_check?token=${token}`, { key })).status).toBe(202);

    native.database.pragma('max_page_count = 1073741823');
    expect((await t.request('/liveness_check', { method: 'POST', key, json: {} })).status).toBe(201);
    expect(count()).toBe(created + 1);
  });
});
