// Audit log retention (LIVECHECK_AUDIT_LOG_TTL): the sweeper deletes entries older than the TTL from
// the store, and nothing younger. Driven by the ManualClock, read from the store and the admin API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { type Pool, createCheck, startPool } from './session.js';

const DAY = 86_400_000;

let pool: Pool;
beforeAll(async () => {
  pool = await startPool();
});
afterAll(() => pool.close());

describe('LIVECHECK_AUDIT_LOG_TTL configuration', () => {
  it('defaults to 365 days and refuses less than a day, naming the variable', () => {
    expect(loadConfig({}).auditLogTtlSeconds).toBe(365 * 86_400);
    expect(loadConfig({ LIVECHECK_AUDIT_LOG_TTL: String(90 * 86_400) }).auditLogTtlSeconds).toBe(90 * 86_400);
    for (const raw of ['3600', '-1', '1y']) {
      expect(() => loadConfig({ LIVECHECK_AUDIT_LOG_TTL: raw })).toThrow(ConfigError);
      expect(() => loadConfig({ LIVECHECK_AUDIT_LOG_TTL: raw })).toThrow('LIVECHECK_AUDIT_LOG_TTL');
    }
  });
});

describe.each(STORE_KINDS)('audit log retention on %s', (kind) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer: pool, env: { LIVECHECK_AUDIT_LOG_TTL: String(2 * 86_400) } });
    // Sweeps run when the test says, not on the background timer.
    await t.service.sweeper?.stop();
  });
  afterAll(() => t.stop());

  const sweep = async () => {
    const sweeper = t.service.sweeper;
    if (!sweeper) throw new Error('this service runs no sweeper');
    return sweeper.sweepNow();
  };
  const stored = async () => (await t.service.store.db.selectFrom('audit_log').select(['action', 'subject', 'at']).orderBy('id').execute()).map((r) => ({ ...r, at: Number(r.at) }));

  it('deletes entries past the TTL from the store and keeps younger ones', async () => {
    const start = t.clock.now();
    const key = await t.tenantKey('acme');
    const old = await createCheck(t, key);
    t.clock.advance(1.5 * DAY);
    const recent = await createCheck(t, key);

    // 1.5 days on: within the 2-day TTL nothing goes (the sweep itself records old's expiry).
    expect((await sweep()).auditEntriesPruned).toBe(0);
    const before = await stored();
    const actionsOf = (entries: typeof before, subject: string) => entries.filter((e) => e.subject === subject).map((e) => e.action).sort();
    expect(actionsOf(before, old.id)).toEqual(['check.create', 'check.expire']);
    expect(before.filter((e) => e.at === start).map((e) => e.action).sort()).toEqual(['api_key.create', 'check.create']);

    // 2.5 days on: what was written at the start is gone from the store, the rest stays.
    t.clock.advance(DAY);
    const swept = await sweep();
    const after = await stored();
    expect(swept.auditEntriesPruned).toBe(2);
    expect(after.filter((e) => e.at < t.clock.now() - 2 * DAY)).toEqual([]);
    expect(after).toEqual(expect.arrayContaining(before.filter((e) => e.at > start)));
    expect(actionsOf(after, old.id)).toEqual(['check.expire']);
    expect(actionsOf(after, recent.id)).toEqual(['check.create', 'check.expire']);

    const read = async (subject: string) => {
      const res = await t.request(`/admin/audit_log?subject=${subject}`, { key: ADMIN_KEY });
      expect(res.status).toBe(200);
      return ((await res.json()) as { entries: Array<{ action: string }> }).entries.map((e) => e.action).sort();
    };
    expect(await read(old.id)).toEqual(['check.expire']);
    expect(await read(recent.id)).toEqual(['check.create', 'check.expire']);
  });
});
