// The SDK against the real service in test mode: `mode` on every answer, `simulate` for each outcome,
// and the documented CI flow (create → simulate → waitForResult) with no camera.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LivecheckApiError, LivecheckClient } from '../../packages/client/src/index.js';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { RecordingClock } from '../client/helpers.js';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
let t: TestService;
let sandbox: LivecheckClient;
let live: LivecheckClient;
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
  t = await startTestService('sqlite', { analyzer });
  const clock = new RecordingClock({ realMs: 5 });
  sandbox = new LivecheckClient({ baseUrl: t.url, apiKey: await t.tenantKey('acme', 'test'), clock });
  live = new LivecheckClient({ baseUrl: t.url, apiKey: await t.tenantKey('acme'), clock });
});
afterAll(async () => {
  await t?.stop();
  await analyzer?.close();
});

describe('LivecheckClient in test mode', () => {
  it('create → simulate passed → waitForResult: passed, mode test, with a probe image', async () => {
    const created = await sandbox.createCheck({ reference: 'ci-1', auditImages: 2 });
    expect(created.mode).toBe('test');
    expect(await sandbox.getCheck(created.token)).toMatchObject({ status: 'pending', mode: 'test' });
    expect(await sandbox.simulate(created.id, 'passed')).toEqual({ id: created.id, mode: 'test', status: 'complete' });
    const result = await sandbox.waitForResult(created.token);
    expect(result).toMatchObject({ status: 'complete', mode: 'test', reference: 'ci-1', result: { passed: true } });
    if (result.status !== 'complete') throw new Error('unreachable');
    expect(result.result.image).toMatch(/^data:image\/jpeg;base64,/);
    expect(result.result.auditImages).toHaveLength(2);
    expect(result.result.boundingBox?.width).toBeGreaterThan(0);
  });

  it('simulate failed with a reason, in_progress, and expired', async () => {
    const failing = await sandbox.createCheck();
    expect((await sandbox.simulate(failing.id, 'failed', { failureReason: 'identity_changed' })).status).toBe('complete');
    expect(await sandbox.getCheck(failing.token)).toMatchObject({ status: 'complete', result: { passed: false, failureReason: 'identity_changed' } });

    const expiring = await sandbox.createCheck();
    expect((await sandbox.simulate(expiring.id, 'in_progress')).status).toBe('in_progress');
    expect(await sandbox.getCheck(expiring.token)).toMatchObject({ status: 'in_progress', mode: 'test' });
    expect((await sandbox.simulate(expiring.id, 'expired')).status).toBe('failed');
    expect(await sandbox.waitForResult(expiring.token)).toMatchObject({ status: 'failed', result: { failureReason: 'capture_abandoned' } });

    const unused = await sandbox.createCheck();
    await sandbox.simulate(unused.id, 'expired');
    expect(await sandbox.getCheck(unused.token)).toEqual({ id: unused.id, mode: 'test', status: 'expired' });
  });

  it('a live client cannot simulate nor read test checks; a test client cannot touch live ones', async () => {
    const test = await sandbox.createCheck();
    const real = await live.createCheck();
    expect(real.mode).toBe('live');
    await expect(live.simulate(test.id, 'passed')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(sandbox.simulate(real.id, 'passed')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(live.getCheck(test.token)).rejects.toBeInstanceOf(LivecheckApiError);
    await expect(sandbox.getCheck(real.token)).rejects.toMatchObject({ status: 400, code: 'invalid_token' });
    expect(await live.getCheck(real.token)).toMatchObject({ status: 'pending', mode: 'live' });
  });

  it('a repeated simulate of a decided check is a 409, not retried', async () => {
    const created = await sandbox.createCheck();
    await sandbox.simulate(created.id, 'passed');
    await expect(sandbox.simulate(created.id, 'failed')).rejects.toMatchObject({ status: 409, code: 'check_finished' });
  });
});
