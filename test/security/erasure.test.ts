// Right to erasure and enforced retention: DELETE /liveness_check and LIVECHECK_RESULT_TTL /
// LIVECHECK_PROBE_IMAGE_TTL, checked by reading every table of the store, not just the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepOnce } from '../../src/jobs/sweeper.js';
import { hashSecret } from '../../src/security/secrets.js';
import { dataUri } from '../helpers/faces.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { type Pool, type Session, captureIdOf, createCheck, dumpTables, expectEnvelope, runSession, startPool, stillFrames, tablesMentioning } from './session.js';

let pool: Pool;
let frames: Buffer[];
beforeAll(async () => {
  pool = await startPool();
  frames = await stillFrames(8);
});
afterAll(() => pool.close());

const DAY = 86_400_000;

/** Everything that identifies a check in the store: its id, secrets' digests and the tenant's reference. */
function traces(session: Session, reference: string): string[] {
  return [session.check.id, hashSecret(session.check.token), hashSecret(session.captureId), reference];
}

/** Audit entries name the check id and actions only; everything else of the check is gone. */
async function expectNothingLeft(t: TestService, session: Session, reference: string): Promise<void> {
  const dump = await dumpTables(t);
  expect(tablesMentioning(dump, traces(session, reference)).filter((table) => table !== 'audit_log')).toEqual([]);
  const audit = (dump.audit_log ?? []).filter((row) => JSON.stringify(row).includes(session.check.id));
  expect(audit.length).toBeGreaterThan(0);
  expect(tablesMentioning({ audit_log: audit }, traces(session, reference).slice(1))).toEqual([]);
}

async function countRows(t: TestService, checkId: string) {
  const db = t.service.store.db;
  const count = async (table: 'capture_frames' | 'check_images' | 'jobs' | 'webhook_events') =>
    (await db.selectFrom(table).select('check_id').where('check_id', '=', checkId).execute()).length;
  return { frames: await count('capture_frames'), images: await count('check_images'), jobs: await count('jobs'), events: await count('webhook_events') };
}

describe.each(STORE_KINDS)('DELETE /liveness_check on %s', (kind) => {
  let t: TestService;
  let key: string;
  let otherKey: string;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer: pool });
    key = await t.tenantKey('acme');
    otherKey = await t.tenantKey('globex');
  });
  afterAll(() => t.stop());

  const erase = (token: string, apiKey = key) => t.request(`/liveness_check?token=${encodeURIComponent(token)}`, { method: 'DELETE', key: apiKey });

  describe('happy', () => {
    it('erases a completed check with its images, events and webhook deliveries: 204, then 400 like an unknown token', async () => {
      const reference = `erase-done-${kind}`;
      const session = await runSession(t, key, frames, { audit_images: 2, reference, webhook_url: 'https://hooks.example.invalid/livecheck' });
      expect(session.result.status).toBe(200);
      const before = await countRows(t, session.check.id);
      // Otherwise the test could not fail: there is something to erase in each table.
      expect(before.images).toBeGreaterThan(0);
      expect(before.events).toBe(1);
      const db = t.service.store.db;
      const eventIds = (await db.selectFrom('webhook_events').select('id').where('check_id', '=', session.check.id).execute()).map((e) => e.id);
      const deliveries = () => db.selectFrom('webhook_deliveries').select('id').where('event_id', 'in', eventIds).execute();
      for (let waited = 0; (await deliveries()).length === 0 && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      expect((await deliveries()).length).toBeGreaterThan(0);

      const res = await erase(session.check.token);
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');

      const unknown = await t.request(`/liveness_check?token=${'Q'.repeat(32)}`, { key });
      const get = await t.request(`/liveness_check?token=${session.check.token}`, { key });
      expect(get.status).toBe(400);
      const strip = (b: { error: { code: string; message: string } }) => ({ code: b.error.code, message: b.error.message });
      expect(strip(await expectEnvelope(get))).toEqual(strip(await expectEnvelope(unknown)));
      const again = await erase(session.check.token);
      expect(again.status).toBe(400);
      expect((await expectEnvelope(again)).error.code).toBe('invalid_token');
      // The capture link is dead too.
      expect((await t.request(`/v1/capture/${session.captureId}/start`, { method: 'POST' })).status).toBe(404);

      expect(await countRows(t, session.check.id)).toEqual({ frames: 0, images: 0, jobs: 0, events: 0 });
      expect(await deliveries()).toEqual([]);
      await expectNothingLeft(t, session, reference);
    });

    it('erases a capture in progress with its stored frames, and the link stops working', async () => {
      const reference = `erase-open-${kind}`;
      const check = await createCheck(t, key, { reference });
      const captureId = captureIdOf(check.url);
      expect((await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' })).status).toBe(200);
      const upload = await t.request(`/v1/capture/${captureId}/frames`, {
        method: 'POST',
        json: { frames: frames.slice(0, 3).map((f, i) => ({ t: i * 200, step: -1, image: dataUri(f) })) },
      });
      expect(upload.status).toBe(202);
      expect((await countRows(t, check.id)).frames).toBe(3);

      expect((await erase(check.token)).status).toBe(204);
      expect(await countRows(t, check.id)).toEqual({ frames: 0, images: 0, jobs: 0, events: 0 });
      const late = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: [{ t: 800, step: -1, image: dataUri(frames[3] as Buffer) }] } });
      expect(late.status).toBe(404);
      await expectNothingLeft(t, { check, captureId, uploads: [], result: { status: 0, body: null } }, reference);
    });

    it('records the lifecycle and the erasure in the audit log, with ids only', async () => {
      const reference = `erase-audit-${kind}`;
      const session = await runSession(t, key, frames.slice(0, 6), { reference });
      expect((await erase(session.check.token)).status).toBe(204);
      const res = await t.request(`/admin/audit_log?subject=${session.check.id}&limit=50`, { key: ADMIN_KEY });
      expect(res.status).toBe(200);
      const { entries } = (await res.json()) as { entries: Array<{ actor: string; action: string; subject: string; at: string }> };
      expect(entries.map((e) => `${e.actor} ${e.action}`).reverse()).toEqual([
        'tenant:acme check.create',
        'capture check.start',
        'capture check.finish',
        expect.stringMatching(/^system check\.(complete|failed)$/),
        'tenant:acme check.erase',
      ]);
      const text = JSON.stringify(entries);
      for (const secret of [session.check.token, session.captureId, key, reference]) expect(text).not.toContain(secret);
    });
  });

  describe('error', () => {
    it('malformed, missing and unknown tokens are 400 with the envelope; no key is 401', async () => {
      for (const query of ['?token=short', `?token=${'A'.repeat(32)}`, '?token=', '', `?token=${'x'.repeat(257)}`, '?token=a&extra=1']) {
        const res = await t.request(`/liveness_check${query}`, { method: 'DELETE', key });
        expect(res.status).toBe(400);
        await expectEnvelope(res);
      }
      const check = await createCheck(t, key);
      const anonymous = await t.request(`/liveness_check?token=${check.token}`, { method: 'DELETE' });
      expect(anonymous.status).toBe(401);
      expect((await expectEnvelope(anonymous)).error.code).toBe('unauthorized');
      expect((await t.request(`/liveness_check?token=${check.token}`, { key })).status).toBe(202);
    });
  });

  describe('security', () => {
    it("another tenant cannot erase a check: the answer is the unknown-token answer and the check stays", async () => {
      const check = await createCheck(t, key, { reference: 'keep-me' });
      const foreign = await erase(check.token, otherKey);
      const unknown = await erase('Z'.repeat(32), otherKey);
      expect(foreign.status).toBe(400);
      const strip = (b: { error: { code: string; message: string } }) => ({ code: b.error.code, message: b.error.message });
      expect(strip(await expectEnvelope(foreign))).toEqual(strip(await expectEnvelope(unknown)));
      const mine = await t.request(`/liveness_check?token=${check.token}`, { key });
      expect(mine.status).toBe(202);
      expect(((await mine.json()) as { id: string }).id).toBe(check.id);
    });

    it('concurrent erasures of one check: exactly one 204', async () => {
      const check = await createCheck(t, key);
      const statuses = await Promise.all(Array.from({ length: 6 }, async () => (await erase(check.token)).status));
      expect(statuses.filter((s) => s === 204)).toHaveLength(1);
      expect(statuses.filter((s) => s === 400)).toHaveLength(5);
    });
  });
});

describe.each(STORE_KINDS)('retention on %s', (kind) => {
  let t: TestService;
  let key: string;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer: pool, env: { LIVECHECK_PROBE_IMAGE_TTL: '3600' } });
    key = await t.tenantKey('acme');
  });
  afterAll(() => t.stop());

  const sweep = () => sweepOnce({ db: t.service.store.db, checks: t.service.checks, clock: t.clock });

  it('probe images are deleted at completion + LIVECHECK_PROBE_IMAGE_TTL; the result stays', async () => {
    const session = await runSession(t, key, frames, { retain_image: true });
    const done = session.result.body as { result: { image?: string; confidence: number } };
    expect(done.result.image).toMatch(/^data:image\/jpeg;base64,/);
    t.clock.advance(3_599_000);
    await sweep();
    expect((await countRows(t, session.check.id)).images).toBe(1);
    t.clock.advance(2_000);
    expect((await sweep()).probeImagesDeleted).toBeGreaterThanOrEqual(1);
    expect((await countRows(t, session.check.id)).images).toBe(0);
    const later = await t.request(`/liveness_check?token=${session.check.token}`, { key });
    expect(later.status).toBe(200);
    const body = (await later.json()) as { result: { image?: string; confidence: number } };
    expect(body.result.image).toBeUndefined();
    expect(body.result.confidence).toBe(done.result.confidence);
  });

  it('after LIVECHECK_RESULT_TTL (30 days) a check is gone from every table and its token is unknown', async () => {
    const reference = `ttl-${kind}`;
    const done = await runSession(t, key, frames, { audit_images: 2, reference });
    const pending = await createCheck(t, key, { reference: `${reference}-pending` });
    t.clock.advance(29 * DAY);
    await sweep();
    expect((await t.request(`/liveness_check?token=${done.check.token}`, { key })).status).toBe(200);

    t.clock.advance(DAY + 1000);
    const fresh = await createCheck(t, key);
    const swept = await sweep();
    expect(swept.checksPurged).toBeGreaterThanOrEqual(2);
    for (const token of [done.check.token, pending.token]) {
      const res = await t.request(`/liveness_check?token=${token}`, { key });
      expect(res.status).toBe(400);
      expect((await expectEnvelope(res)).error.code).toBe('invalid_token');
    }
    await expectNothingLeft(t, done, reference);
    await expectNothingLeft(t, { check: pending, captureId: captureIdOf(pending.url), uploads: [], result: { status: 0, body: null } }, `${reference}-pending`);
    expect((await t.request(`/liveness_check?token=${fresh.token}`, { key })).status).toBe(202);

    const audit = await t.request(`/admin/audit_log?subject=${done.check.id}`, { key: ADMIN_KEY });
    const { entries } = (await audit.json()) as { entries: Array<{ actor: string; action: string; details: { reason?: string } }> };
    expect(entries[0]).toMatchObject({ actor: 'system', action: 'check.purge', details: { reason: 'result_ttl' } });
  });

  it('erasure also removes queued jobs of a finished capture nobody has analysed yet', async () => {
    const idle = await startTestService(kind, { analyzer: pool, runJobs: false });
    try {
      const idleKey = await idle.tenantKey('acme');
      const check = await createCheck(idle, idleKey);
      const captureId = captureIdOf(check.url);
      expect((await idle.request(`/v1/capture/${captureId}/start`, { method: 'POST' })).status).toBe(200);
      const upload = await idle.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: [{ t: 0, step: -1, image: dataUri(frames[0] as Buffer) }] } });
      expect(upload.status).toBe(202);
      expect((await idle.request(`/v1/capture/${captureId}/finish`, { method: 'POST' })).status).toBe(202);
      expect((await countRows(idle, check.id)).jobs).toBeGreaterThan(0);
      expect((await idle.request(`/liveness_check?token=${check.token}`, { method: 'DELETE', key: idleKey })).status).toBe(204);
      expect(await countRows(idle, check.id)).toEqual({ frames: 0, images: 0, jobs: 0, events: 0 });
    } finally {
      await idle.stop();
    }
  });
});
