// The reference backend in CI with no camera and no face: configured with a test key, every outcome
// is driven by the sandbox (the simulation page in Chromium, or the simulate call), and the backend
// decides exactly as in production — on the result it reads server-side or after a signed webhook.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend } from '../../examples/reference-backend/backend.js';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { CHROMIUM } from '../page/browser.js';
import { eventually } from '../webhooks/helpers.js';
import { Browser, type LivecheckCall, recordingFetch } from './helpers.js';

const TENANT = 'acme';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
let t: TestService;
let testKey: string;
let server: Server;
let site: string;
const calls: LivecheckCall[] = [];
const logged: string[] = [];

beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
  t = await startTestService('sqlite', { analyzer, env: { LIVECHECK_ALLOW_PRIVATE_WEBHOOKS: 'true' } });
  testKey = await t.tenantKey(TENANT, 'test');
  const secret = await t.request(`/admin/tenants/${TENANT}/webhook_secret`, { key: ADMIN_KEY });
  const webhookSecret = ((await secret.json()) as { secret: string }).secret;
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The backend as deployed, with nothing changed but the key: lc_test_… instead of lc_….
  const backend = createReferenceBackend({
    livecheckUrl: t.url,
    apiKey: testKey,
    webhookSecret,
    publicUrl: site,
    statusWaitMs: 3000,
    fetch: recordingFetch(calls),
    log: (message, error) => logged.push(`${message}: ${String(error)}`),
  });
  server.on('request', (request, response) => backend.handle(request, response));
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await t?.stop();
  await analyzer?.close();
});

async function startVerification(browser: Browser) {
  const before = calls.length;
  const response = await browser.post('/verify');
  expect(response.status).toBe(303);
  const created = calls.slice(before).find((c) => c.method === 'POST' && c.path === '/liveness_check')?.created;
  if (!created) throw new Error('the backend created no check');
  return created;
}

function simulate(id: string, body: object): Promise<Response> {
  return t.request(`/v1/sandbox/liveness_check/${id}/simulate`, { method: 'POST', key: testKey, json: body });
}

describe('the reference backend on the sandbox', () => {
  it('in Chromium: the user clicks Pass on the simulation page, comes back, and is verified', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    try {
      const page = await (await browser.newContext()).newPage();
      await page.goto(site);
      await page.fill('input[name=name]', 'sam');
      await page.click('form[action="/sign-in"] button');
      await page.waitForSelector('main[data-state="unverified"]');
      await Promise.all([page.waitForURL(`${t.url}/c/**`), page.click('form[action="/verify"] button')]);
      // No camera: the test check's link is the simulation page.
      await page.locator('body[data-ready="true"]').waitFor();
      await Promise.all([page.waitForURL(`${site}/verify/return?**`), page.getByRole('button', { name: 'Pass' }).click()]);
      await page.waitForSelector('main[data-state="verified"]', { timeout: 30_000 });
      await page.goto(site);
      await page.waitForSelector('main[data-state="verified"]');
    } finally {
      await browser.close();
    }
    expect(logged).toEqual([]);
  }, 60_000);

  it('from CI: a failure simulated through the API reaches the backend by webhook alone, with its reason', async () => {
    const rita = new Browser(site);
    await rita.signIn('rita');
    const check = await startVerification(rita);
    expect((await simulate(check.id, { outcome: 'failed', failure_reason: 'too_dark' })).status).toBe(200);
    await eventually(async () => ((await rita.accountState()) === 'not_verified' ? true : undefined), 30_000, 'the webhook');
    // Decided on the backend's own read of the result, not on the webhook's word.
    expect(calls.filter((c) => c.method === 'GET' && c.token === check.token).map((c) => c.status)).toEqual([200]);
    expect(await (await rita.get('/')).text()).toContain('Not verified');
    expect(logged).toEqual([]);
  });

  it('from CI: an expired link, fast-forwarded, is told as expired', async () => {
    const ugo = new Browser(site);
    await ugo.signIn('ugo');
    const check = await startVerification(ugo);
    expect((await simulate(check.id, { outcome: 'expired' })).status).toBe(200);
    const status = await eventually(async () => {
      const answer = (await (await ugo.get('/verify/status')).json()) as { state: string; reason?: string };
      return answer.state === 'checking' ? undefined : answer;
    }, 30_000, 'the expiry');
    expect(status).toMatchObject({ state: 'not_verified', reason: 'expired' });
    expect(logged).toEqual([]);
  });
});
