// /metrics after real traffic: every family the operations guide promises is there, with values
// that follow from what was done (issue 7: requests, checks, queue, analysis and inference
// histograms, analysis thread utilisation); webhook delivery outcomes are in test/webhooks/ssrf.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { type AnalyzerPool, createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import { sendFrames } from '../helpers/capture.js';
import { cameraFrame, portraitPath } from '../helpers/faces.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';

/** The value of one sample, e.g. sample(text, 'livecheck_checks{mode="live",status="complete"}'). */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

let analyzer: AnalyzerPool;
let frames: Buffer[];
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 2 });
  await analyzer.ready();
  const photo = portraitPath();
  frames = await Promise.all(Array.from({ length: 12 }, (_, i) => cameraFrame(photo, (i * 7) % 13, (i * 5) % 11)));
});
afterAll(() => analyzer.close());

describe.each(STORE_KINDS)('metrics on %s', (kind) => {
  let t: TestService;
  let text: string;
  let token: string;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer });
    const key = await t.tenantKey('acme');
    const created = (await (await t.request('/liveness_check', { method: 'POST', key, json: {} })).json()) as { token: string; url: string };
    token = created.token;
    const captureId = new URL(created.url).pathname.replace('/c/', '');
    const started = (await (await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' })).json()) as { challenge: { steps: string[] } };
    await sendFrames(t, captureId, started.challenge.steps.length, frames);
    expect((await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' })).status).toBe(202);
    for (let i = 0; ; i++) {
      if ((await t.request(`/liveness_check?token=${token}`, { key })).status === 200) break;
      if (i > 600) throw new Error('no result');
      await new Promise((r) => setTimeout(r, 100));
    }
    await t.request('/liveness_check?token=unknown', { key });
    const res = await t.request('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    text = await res.text();
  }, 120_000);
  afterAll(() => t.stop());

  it('counts requests by route template and status, never by URL', () => {
    expect(sample(text, 'livecheck_http_requests_total{method="POST",route="/liveness_check",status="201"}')).toBe(1);
    expect(sample(text, 'livecheck_http_requests_total{method="POST",route="/v1/capture/:capture_id/frames",status="202"}')).toBe(3);
    expect(sample(text, 'livecheck_http_requests_total{method="GET",route="/liveness_check",status="400"}')).toBe(1);
    expect(sample(text, 'livecheck_http_request_duration_seconds_count{route="/liveness_check"}')).toBeGreaterThanOrEqual(3);
    expect(text).not.toContain(token);
    expect(text).not.toContain('cap_');
  });

  it('shows checks by mode and status, and the job queue', () => {
    expect(sample(text, 'livecheck_checks{mode="live",status="complete"}')).toBe(1);
    expect(text).toMatch(/^# TYPE livecheck_jobs_queued gauge$/m);
    expect(text).toMatch(/^# TYPE livecheck_jobs_oldest_age_seconds gauge$/m);
  });

  it('has the analysis, decision and per-frame inference histograms', () => {
    expect(sample(text, 'livecheck_analysis_duration_seconds_count')).toBe(1);
    expect(sample(text, 'livecheck_decision_latency_seconds_count')).toBe(1);
    expect(sample(text, 'livecheck_frame_inference_seconds_count')).toBeGreaterThanOrEqual(frames.length);
    expect(sample(text, 'livecheck_frame_inference_seconds_sum')).toBeGreaterThan(0);
  });

  it('shows how busy the analysis threads are', () => {
    const busy = sample(text, 'livecheck_analysis_threads{state="busy"}') ?? NaN;
    const idle = sample(text, 'livecheck_analysis_threads{state="idle"}') ?? NaN;
    expect(busy + idle + (sample(text, 'livecheck_analysis_threads{state="offline"}') ?? NaN)).toBe(2);
    expect(idle).toBe(2);
    expect(sample(text, 'livecheck_analysis_queued_frames')).toBe(0);
    // 12 frames at tens of milliseconds each at least.
    expect(sample(text, 'livecheck_analysis_busy_seconds_total')).toBeGreaterThan(0.1);
    expect(text).toMatch(/^# TYPE livecheck_analysis_busy_seconds_total counter$/m);
  });
});

describe('metrics behind LIVECHECK_METRICS_TOKEN', () => {
  const metricsToken = 'metrics-token-0123456789abcdef';
  let t: TestService;
  beforeAll(async () => {
    t = await startTestService('sqlite', { env: { LIVECHECK_ROLE: 'api', LIVECHECK_METRICS_TOKEN: metricsToken } });
  });
  afterAll(() => t.stop());

  it('answers only the bearer of the token; health and readiness stay open', async () => {
    for (const key of [undefined, 'wrong-token-0123456789abcdef', `${metricsToken}x`]) {
      const res = await t.request('/metrics', key === undefined ? {} : { key });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('unauthorized');
      expect(body.error.message).toContain('LIVECHECK_METRICS_TOKEN');
    }
    const res = await t.request('/metrics', { key: metricsToken });
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^# HELP /m);
    expect((await t.request('/healthz')).status).toBe(200);
    expect((await t.request('/readyz')).status).toBe(200);
  });

  it('refuses a short token at start-up, naming the variable', () => {
    expect(() => loadConfig({ LIVECHECK_METRICS_TOKEN: 'short' })).toThrow('LIVECHECK_METRICS_TOKEN');
  });
});
