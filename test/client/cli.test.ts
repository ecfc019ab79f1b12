// `livecheck checks …` against a real service, run in-process with captured output. One service
// uses the real decision; a second one, to reach `passed`, decides "live" for any capture.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecksCli } from '../../src/cli/checks.js';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer, LivenessDecision } from '../../src/engine/types.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { RecordingClock, captureBlankSession, closedPort } from './helpers.js';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
let t: TestService;
let key: string;
let lenient: TestService;
let lenientKey: string;

/** Any capture is "live": lets the CLI's exit 0 be reached without a person in front of a camera. */
const alwaysLive = (): LivenessDecision => ({
  outcome: 'complete',
  confidence: 0.97,
  probeFrame: 0,
  boundingBox: { left: 0.3, top: 0.2, width: 0.4, height: 0.5 },
  auditFrames: [],
  signals: { steps: [], identitySimilarity: 1, parallax: 1, passiveReal: 1, passiveLive: 1 },
});

beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
  t = await startTestService('sqlite', { analyzer });
  key = await t.tenantKey('acme');
  lenient = await startTestService('sqlite', { analyzer, decide: alwaysLive });
  lenientKey = await lenient.tenantKey('acme');
});
afterAll(async () => {
  await lenient?.stop();
  await t?.stop();
  await analyzer?.close();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(argv: string[], options: { service?: TestService; apiKey?: string | null; tty?: boolean; clock?: RecordingClock } = {}): Promise<Run> {
  const service = options.service ?? t;
  const out = { stdout: '', stderr: '' };
  const env: Record<string, string | undefined> = { LIVECHECK_URL: service.url };
  const apiKey = options.apiKey === undefined ? (service === lenient ? lenientKey : key) : options.apiKey;
  if (apiKey !== null) env.LIVECHECK_API_KEY = apiKey;
  const code = await runChecksCli(argv, {
    stdout: { write: (s: string) => (out.stdout += s), isTTY: options.tty ?? false },
    stderr: { write: (s: string) => (out.stderr += s), isTTY: options.tty ?? false },
    env,
    clock: options.clock ?? new RecordingClock({ realMs: 20 }),
  });
  return { code, ...out };
}

interface CreatedJson {
  id: string;
  token: string;
  url: string;
  status: string;
  expiresAt: string;
  reference?: string;
}

async function createJson(args: string[] = [], service?: TestService): Promise<CreatedJson> {
  const run = await cli(['create', '--json', ...args], service ? { service } : {});
  expect(run).toMatchObject({ code: 0, stderr: '' });
  return JSON.parse(run.stdout) as CreatedJson;
}

describe('livecheck checks', () => {
  it('--help documents commands, options, exit codes and examples', async () => {
    const run = await cli(['--help']);
    expect(run.code).toBe(0);
    for (const text of ['checks create', 'checks get TOKEN', 'checks wait TOKEN', '--redirect-url', '--json', 'LIVECHECK_API_KEY', 'Exit codes', '2 expired', 'Examples']) expect(run.stdout).toContain(text);
    expect((await cli(['create', '--help'])).code).toBe(0);
    expect((await cli([])).code).toBe(1);
  });

  it('create --json makes the check as asked, through the SDK (idempotency key honoured)', async () => {
    const before = t.clock.now();
    const args = ['--reference', 'cli-1', '--threshold', '0.8', '--expires-in', '120', '--audit-images', '2', '--redirect-url', 'https://shop.example/done', '--idempotency-key', 'cli-idem-1'];
    const created = await createJson(args);
    expect(created).toMatchObject({ status: 'pending', reference: 'cli-1', expiresAt: new Date(before + 120_000).toISOString() });
    expect(created.token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect((await createJson(args)).id).toBe(created.id);
    const row = await t.service.store.db.selectFrom('liveness_checks').select(['options']).where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(JSON.parse(row.options)).toMatchObject({ threshold: 0.8, audit_images: 2, redirect_url: 'https://shop.example/done' });
  });

  it('create for a person prints the link, the token, and on a terminal a QR code of the link', async () => {
    const run = await cli(['create'], { tty: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/link: +http:\/\/127\.0\.0\.1:\d+\/c\/cap_/);
    expect(run.stdout).toMatch(/token: +[A-Za-z0-9]{32}/);
    expect(run.stdout).toContain('\x1b[30;47m');
    expect((await cli(['create', '--no-qr'], { tty: true })).stdout).not.toContain('\x1b[30;47m');
    expect((await cli(['create'])).stdout).not.toContain('\x1b[30;47m');
  });

  it('get shows a pending check, as JSON or as a sentence', async () => {
    const created = await createJson();
    const json = await cli(['get', created.token, '--json']);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ id: created.id, mode: 'live', status: 'pending', expiresAt: created.expiresAt, retryAfterMs: 3000 });
    const human = await cli(['get', created.token]);
    expect(human.stdout).toMatch(/^pending: /);
  });

  it('wait exits 2 for an expired link', async () => {
    const created = await createJson(['--expires-in', '60']);
    t.clock.advance(61_000);
    const run = await cli(['wait', created.token, '--json']);
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stdout)).toEqual({ id: created.id, mode: 'live', status: 'expired' });
  });

  it('wait exits 1 when the check did not pass (a capture with no face)', async () => {
    const created = await createJson();
    await captureBlankSession(t, created.url);
    const run = await cli(['wait', created.token]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^failed: NOT PASSED \(confidence 0 < threshold 0\.5, reason no_face\)/);
    const json = await cli(['wait', created.token, '--json']);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ status: 'failed', result: { passed: false, failureReason: 'no_face' } });
  });

  it('wait exits 0 when the check passed', async () => {
    const created = await createJson(['--reference', 'cli-pass'], lenient);
    await captureBlankSession(lenient, created.url);
    const run = await cli(['wait', created.token], { service: lenient });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^complete: PASSED \(confidence 0\.97 ≥ threshold 0\.5\)\nreference: cli-pass/);
  });

  it('wait on a terminal shows a live status line with the elapsed time on stderr, then clears it', async () => {
    const created = await createJson(['--expires-in', '60']);
    // The link runs out during the second delay, so the wait sees "pending" once, then the 410.
    const clock = new RecordingClock({ realMs: 20 });
    const sleep = clock.sleep.bind(clock);
    clock.sleep = async (ms, signal) => {
      if (clock.sleeps.length === 1) t.clock.advance(61_000);
      return sleep(ms, signal);
    };
    const run = await cli(['wait', created.token], { tty: true, clock });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/\r\x1b\[2K0s {2}waiting for the first poll/);
    expect(run.stderr).toMatch(/\r\x1b\[2K\d+s {2}pending, next poll in \d+ s/);
    expect(run.stderr.endsWith('\r\x1b[2K')).toBe(true);
    expect(run.stdout).toBe('expired: the link was not used in time\n');
  });

  it('errors exit 3 with the code and request id; as JSON with --json', async () => {
    const bad = await cli(['wait', 'A'.repeat(32), '--json']);
    expect(bad.code).toBe(3);
    expect(JSON.parse(bad.stdout)).toEqual({ error: { status: 400, code: 'invalid_token', message: expect.any(String), request_id: expect.stringMatching(/^req_/) } });
    const unauthorized = await cli(['get', 'A'.repeat(32)], { apiKey: 'lc_wrong' });
    expect(unauthorized.code).toBe(3);
    expect(unauthorized.stderr).toMatch(/^error: unauthorized \(HTTP 401\): .* \[req_[0-9a-f]{32}\]\n$/);
    const invalid = await cli(['create', '--threshold', '7']);
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toContain('invalid_request (HTTP 400)');
  });

  it('an unreachable service exits 3', async () => {
    const out = { stdout: '', stderr: '' };
    const code = await runChecksCli(['get', 'A'.repeat(32), '--url', `http://127.0.0.1:${await closedPort()}`, '--api-key', key, '--json'], {
      stdout: { write: (s: string) => (out.stdout += s) },
      stderr: { write: (s: string) => (out.stderr += s) },
      env: {},
      clock: new RecordingClock(),
    });
    expect(code).toBe(3);
    expect(JSON.parse(out.stdout)).toMatchObject({ error: { code: 'network_error', message: expect.stringContaining('ECONNREFUSED') } });
  });

  it('usage errors: exit 1, except wait, whose 1 means "not passed"', async () => {
    expect(await cli(['create'], { apiKey: null })).toMatchObject({ code: 1, stderr: expect.stringContaining('LIVECHECK_API_KEY') });
    expect((await cli(['create', '--threshold', 'high'])).code).toBe(1);
    expect((await cli(['create', '--frobnicate'])).code).toBe(1);
    expect((await cli(['get'])).code).toBe(1);
    expect((await cli(['erase', 'x'])).code).toBe(1);
    expect((await cli(['wait'])).code).toBe(3);
    expect((await cli(['wait', 'A'.repeat(32)], { apiKey: null })).code).toBe(3);
  });
});
