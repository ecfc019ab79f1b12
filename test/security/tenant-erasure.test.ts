// Offboarding: DELETE /admin/tenants/{tenant} deletes everything of the tenant, read back from every
// table of the store; other tenants keep theirs; a check let in meanwhile by another process that
// still had the tenant's key cached is erased by the second pass.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantErasure } from '../../src/tenancy/tenant-erasure.js';
import { dataUri } from '../helpers/faces.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { captureIdOf, createCheck, dumpTables, expectEnvelope, runSession, sharedPoolAndFrames, tablesMentioning } from './session.js';

const shared = sharedPoolAndFrames();

describe.each(STORE_KINDS)('DELETE /admin/tenants/{tenant} on %s', (kind) => {
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer: shared.pool });
  });
  afterAll(() => t.stop());

  it('erases every trace of the tenant, keeps the others, and records the erasure', async () => {
    const tenant = `acme-${kind}`;
    const live = await t.tenantKey(tenant);
    const test = await t.tenantKey(tenant, 'test');
    const other = await t.tenantKey('globex');

    // A decided check with images and a webhook event, one mid-capture with frames, a sandbox check.
    const decided = await runSession(t, live, shared.frames, { audit_images: 2, reference: 'erase-me-decided', webhook_url: 'https://hooks.example.com/x' });
    expect(decided.result.status).toBe(200);
    const capturing = await createCheck(t, live, { reference: 'erase-me-capturing' });
    const captureId = captureIdOf(capturing.url);
    expect((await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' })).status).toBe(200);
    const upload = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: shared.frames.slice(0, 3).map((jpeg, i) => ({ t: i * 200, step: -1, image: dataUri(jpeg) })) } });
    expect(upload.status).toBe(202);
    const sandbox = await createCheck(t, test, { reference: 'erase-me-sandbox' });
    expect((await t.request(`/v1/sandbox/liveness_check/${sandbox.id}/simulate`, { method: 'POST', key: test, json: { outcome: 'passed' } })).status).toBe(200);
    expect((await t.request('/admin/webhook_endpoints', { method: 'POST', key: ADMIN_KEY, json: { tenant, url: 'https://hooks.example.com/acme' } })).status).toBe(201);
    expect((await t.request(`/admin/tenants/${tenant}/webhook_secret`, { key: ADMIN_KEY })).status).toBe(200);
    expect((await t.request(`/admin/tenants/${tenant}/settings`, { method: 'PUT', key: ADMIN_KEY, json: { display_name: 'Acme Bank' } })).status).toBe(200);
    const kept = await createCheck(t, other, { reference: 'keep-me' });

    // Only the admin key may ask.
    const refused = await t.request(`/admin/tenants/${tenant}`, { method: 'DELETE', key: live });
    expect(refused.status).toBe(401);
    expect((await expectEnvelope(refused)).error.code).toBe('unauthorized');
    expect((await t.request('/admin/tenants/not%20a%20tenant', { method: 'DELETE', key: ADMIN_KEY })).status).toBe(400);

    const started = Date.now();
    const res = await t.request(`/admin/tenants/${tenant}`, { method: 'DELETE', key: ADMIN_KEY });
    expect(res.status).toBe(200);
    // Keys were deleted, so the call waited out the other processes' key caches for a second pass.
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_900);
    const report = (await res.json()) as Record<string, unknown>;
    expect(report).toMatchObject({ tenant, api_keys: 2, checks: 3, webhook_endpoints: 1, settings: 1 });
    expect(report.webhook_events).toBeGreaterThanOrEqual(1);

    // Its keys no longer work, here at once.
    expect((await t.request(`/liveness_check?token=${decided.check.token}`, { key: live })).status).toBe(401);
    // Nothing of it is left anywhere but in the audit log, which records the erasure.
    const dump = await dumpTables(t);
    const traces = [tenant, decided.check.id, capturing.id, sandbox.id, 'erase-me-'];
    expect(tablesMentioning(dump, traces).filter((table) => table !== 'audit_log')).toEqual([]);
    expect((dump.audit_log ?? []).some((row) => row.action === 'tenant.erase' && row.subject === tenant)).toBe(true);
    // The other tenant keeps its check.
    expect((await t.request(`/liveness_check?token=${kept.token}`, { key: other })).status).toBe(202);

    // Again: nothing left, nothing to wait for.
    const again = await t.request(`/admin/tenants/${tenant}`, { method: 'DELETE', key: ADMIN_KEY });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ tenant, api_keys: 0, checks: 0, webhook_endpoints: 0, webhook_events: 0, settings: 0, console_sessions: 0 });
  }, 120_000);

  it('erases a tenant with more checks than one batch, and no other tenant\'s', async () => {
    const tenant = `big-${kind}`;
    const key = await t.tenantKey(tenant);
    const principal = await t.service.keys.authenticateTenant(key);
    if (!principal) throw new Error('no principal');
    for (let i = 0; i < 450; i++) await t.service.checks.create(principal, { reference: `big-${i}` });
    const bystander = await createCheck(t, await t.tenantKey(`bystander-${kind}`));
    // The domain object, with no cache window to wait out: the batches are what is tested here.
    const erasure = new TenantErasure(t.service.store.db, t.clock, t.service.keys, 0);
    expect(await erasure.erase(tenant)).toMatchObject({ tenant, api_keys: 1, checks: 450 });
    const left = await t.service.store.db.selectFrom('liveness_checks').select(['id', 'tenant']).where('tenant', 'in', [tenant, `bystander-${kind}`]).execute();
    expect(left).toEqual([{ id: bystander.id, tenant: `bystander-${kind}` }]);
  }, 60_000);

  it('a check another process lets in with a key it had cached is erased by the second pass', async () => {
    const tenant = `late-${kind}`;
    const key = await t.tenantKey(tenant);
    // A second API process on the same store, which has just authenticated the key.
    const other = await startTestService(kind, { store: t.store, runJobs: false, env: { LIVECHECK_ROLE: 'api' } });
    try {
      await createCheck(other, key);
      const erasing = t.request(`/admin/tenants/${tenant}`, { method: 'DELETE', key: ADMIN_KEY });
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      // Its cache still accepts the deleted key (as after a revocation): the check is made.
      const late = await createCheck(other, key, { reference: 'made-during-erasure' });
      const res = await erasing;
      expect(res.status).toBe(200);
      expect(((await res.json()) as { checks: number }).checks).toBe(2);
      const left = await t.service.store.db.selectFrom('liveness_checks').select('id').where('tenant', '=', tenant).execute();
      expect(left).toEqual([]);
      // Once its cache has expired, that process refuses the key too.
      other.clock.advance(6_000);
      expect((await other.request(`/liveness_check?token=${late.token}`, { key })).status).toBe(401);
    } finally {
      await other.service.close();
    }
  }, 60_000);
});
