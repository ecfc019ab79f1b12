// The sandbox cannot be used to obtain a live passed:true, and test and live data never mix: a live
// key cannot simulate, read or erase test checks; a test key cannot simulate, read or erase live
// ones; the mode cannot be forged in a request; every refusal looks exactly like an unknown id/token.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { LIVE_API_KEY_PATTERN, TEST_API_KEY_PATTERN, apiKeyMode, newApiKey } from '../../src/security/secrets.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { captureIdOf, createCheck, read, simulate } from './helpers.js';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
});
afterAll(() => analyzer.close());

/** The error body without its request id, which differs per request. */
async function refusal(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, code: body.error.code, message: body.error.message };
}

describe('key formats', () => {
  it('no live key can be taken for a test key, nor the reverse', () => {
    for (let i = 0; i < 200; i++) {
      const live = newApiKey('live');
      const test = newApiKey('test');
      expect(apiKeyMode(live)).toBe('live');
      expect(apiKeyMode(test)).toBe('test');
      expect(live.startsWith('lc_test_')).toBe(false);
      expect(TEST_API_KEY_PATTERN.test(live)).toBe(false);
      expect(LIVE_API_KEY_PATTERN.test(test)).toBe(false);
    }
    // Even a live key whose random part begins with "test" stays live: the underscore decides.
    expect(apiKeyMode(`lc_test${'a'.repeat(36)}`)).toBe('live');
    expect(apiKeyMode(`lc_test_${'a'.repeat(39)}`)).toBeUndefined();
  });
});

describe.each(STORE_KINDS)('sandbox isolation on %s', (kind) => {
  let t: TestService;
  let liveKey: string;
  let testKey: string;
  let otherTestKey: string;
  let n = 0;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer });
  });
  afterAll(() => t.stop());
  beforeEach(async () => {
    const tenant = `iso-${++n}`;
    liveKey = await t.tenantKey(tenant);
    testKey = await t.tenantKey(tenant, 'test');
    otherTestKey = await t.tenantKey(`${tenant}-other`, 'test');
  });

  it('a live key cannot simulate: 404, exactly as for an unknown id, and the test check is untouched', async () => {
    const check = await createCheck(t, testKey);
    const unknown = await refusal(await simulate(t, testKey, '00000000-0000-4000-8000-000000000000', { outcome: 'passed' }));
    expect(unknown.status).toBe(404);
    const liveOnTest = await refusal(await simulate(t, liveKey, check.id, { outcome: 'passed' }));
    expect(liveOnTest).toEqual(unknown);
    expect((await read(t, testKey, check.token)).body.status).toBe('pending');
  });

  it('a live check can never be simulated: not by a test key, not by a live key, not through its link', async () => {
    const live = await createCheck(t, liveKey);
    expect(live.mode).toBe('live');
    const unknown = await refusal(await simulate(t, testKey, '00000000-0000-4000-8000-000000000000', { outcome: 'passed' }));
    expect(await refusal(await simulate(t, testKey, live.id, { outcome: 'passed' }))).toEqual(unknown);
    expect(await refusal(await simulate(t, liveKey, live.id, { outcome: 'passed' }))).toEqual(unknown);
    for (const outcome of ['passed', 'in_progress', 'expired']) {
      const viaLink = await t.request(`/v1/capture/${captureIdOf(live.url)}/simulate`, { method: 'POST', json: { outcome } });
      expect(await refusal(viaLink)).toEqual({ status: 404, code: 'not_found', message: 'this capture link does not exist' });
    }
    // Still pending, with the real capture page behind its link.
    expect(await read(t, liveKey, live.token)).toMatchObject({ status: 202, body: { status: 'pending', mode: 'live' } });
    const page = await (await t.request(new URL(live.url).pathname)).text();
    expect(page).not.toContain('Sandbox');
  });

  it('another tenant’s test key cannot simulate a test check', async () => {
    const check = await createCheck(t, testKey);
    const unknown = await refusal(await simulate(t, otherTestKey, '00000000-0000-4000-8000-000000000000', { outcome: 'passed' }));
    expect(await refusal(await simulate(t, otherTestKey, check.id, { outcome: 'passed' }))).toEqual(unknown);
    expect((await read(t, testKey, check.token)).body.status).toBe('pending');
  });

  it('a passed test check reads as unknown with a live key (400, like a token that never existed)', async () => {
    const check = await createCheck(t, testKey);
    expect((await simulate(t, testKey, check.id, { outcome: 'passed' })).status).toBe(200);
    const never = await refusal(await t.request(`/liveness_check?token=${'A'.repeat(32)}`, { key: liveKey }));
    expect(never.status).toBe(400);
    expect(await refusal(await t.request(`/liveness_check?token=${check.token}`, { key: liveKey }))).toEqual(never);
    expect(await refusal(await t.request(`/liveness_check?token=${check.token}`, { method: 'DELETE', key: liveKey }))).toEqual(never);
    expect((await read(t, testKey, check.token)).body.result).toMatchObject({ passed: true });
  });

  it('a live check reads as unknown with a test key, and a test key cannot erase it', async () => {
    const live = await createCheck(t, liveKey);
    const never = await refusal(await t.request(`/liveness_check?token=${'A'.repeat(32)}`, { key: testKey }));
    expect(await refusal(await t.request(`/liveness_check?token=${live.token}`, { key: testKey }))).toEqual(never);
    expect(await refusal(await t.request(`/liveness_check?token=${live.token}`, { method: 'DELETE', key: testKey }))).toEqual(never);
    expect((await read(t, liveKey, live.token)).status).toBe(202);
  });

  it('the mode cannot be forged in the create body, with either key', async () => {
    for (const [key, mode] of [
      [testKey, 'live'],
      [liveKey, 'test'],
      [testKey, 'test'],
    ] as const) {
      const res = await t.request('/liveness_check', { method: 'POST', key, json: { mode } });
      expect(res.status).toBe(400);
      expect((await refusal(res)).message).toContain('unknown field "mode"');
    }
  });

  it('an Idempotency-Key used by both modes makes two checks, each of its own mode', async () => {
    const headers = { 'idempotency-key': `order-${n}` };
    const test = await createCheck(t, testKey, {}, headers);
    const live = await createCheck(t, liveKey, {}, headers);
    expect(test.mode).toBe('test');
    expect(live.mode).toBe('live');
    expect(live.id).not.toBe(test.id);
    // Each replays its own.
    expect((await createCheck(t, testKey, {}, headers)).id).toBe(test.id);
    expect((await createCheck(t, liveKey, {}, headers)).id).toBe(live.id);
  });

  it('a revoked test key can no longer simulate', async () => {
    const check = await createCheck(t, testKey);
    const list = (await (await t.request('/admin/api_keys', { key: 'test-admin-key-0123456789abcdef' })).json()) as { keys: Array<{ id: string; mode: string; key_hint: string }> };
    const entry = list.keys.find((k) => k.mode === 'test' && testKey.endsWith(k.key_hint));
    expect(entry).toBeDefined();
    expect((await t.request(`/admin/api_keys/${entry?.id}`, { method: 'DELETE', key: 'test-admin-key-0123456789abcdef' })).status).toBe(204);
    expect((await simulate(t, testKey, check.id, { outcome: 'passed' })).status).toBe(401);
  });

  it('counts test checks apart from live ones in the livecheck_checks gauge', async () => {
    const before = await checksGauge(t);
    await createCheck(t, liveKey);
    const passed = await createCheck(t, testKey);
    expect((await simulate(t, testKey, passed.id, { outcome: 'passed' })).status).toBe(200);
    await createCheck(t, testKey);
    await createCheck(t, testKey);
    const after = await checksGauge(t);
    const grew = (sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);
    expect(grew('live/pending')).toBe(1);
    expect(grew('live/complete')).toBe(0);
    expect(grew('test/pending')).toBe(2);
    expect(grew('test/complete')).toBe(1);
  });
});

/** `livecheck_checks` from /metrics as "mode/status" → count; every sample must carry both labels. */
async function checksGauge(t: TestService): Promise<Map<string, number>> {
  const res = await t.request('/metrics');
  expect(res.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line.startsWith('livecheck_checks{')) continue;
    const match = /^livecheck_checks\{mode="(live|test)",status="([a-z_]+)"\} (\d+)$/.exec(line);
    expect(match, line).not.toBeNull();
    if (match) samples.set(`${match[1]}/${match[2]}`, Number(match[3]));
  }
  return samples;
}
