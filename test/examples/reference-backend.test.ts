// The reference backend (examples/reference-backend) against a real livecheck: real store, real face
// models, real capture protocol, webhooks delivered over HTTP by the service's own worker.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend } from '../../examples/reference-backend/backend.js';
import { ConfigError, readBackendConfig } from '../../examples/reference-backend/config.js';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { closedPort } from '../client/helpers.js';
import { CHROMIUM } from '../page/browser.js';
import { eventually } from '../webhooks/helpers.js';
import { Browser, type LivecheckCall, captureBlankAndFinish, pageState, recordingFetch, webhookHeaders } from './helpers.js';

const TENANT = 'acme';

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
let t: TestService;
let apiKey: string;
let webhookSecret: string;
let server: Server;
let site: string;
const calls: LivecheckCall[] = [];
const logged: string[] = [];
/** Webhook requests the backend received, with its answers. */
const webhooksReceived: Array<{ webhookId: string | undefined; status: number }> = [];

beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
  t = await startTestService('sqlite', { analyzer, env: { LIVECHECK_ALLOW_PRIVATE_WEBHOOKS: 'true' } });
  apiKey = await t.tenantKey(TENANT);
  const secret = await t.request(`/admin/tenants/${TENANT}/webhook_secret`, { key: ADMIN_KEY });
  webhookSecret = ((await secret.json()) as { secret: string }).secret;

  // Listen first: the backend's public URL (redirect and webhook target) needs the port.
  server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  site = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const backend = createReferenceBackend({
    livecheckUrl: t.url,
    apiKey,
    webhookSecret,
    publicUrl: site,
    statusWaitMs: 3000,
    fetch: recordingFetch(calls),
    log: (message, error) => logged.push(`${message}: ${String(error)}`),
  });
  server.on('request', (request, response) => {
    if (request.url === '/webhooks/livecheck') {
      const webhookId = request.headers['webhook-id'];
      response.once('finish', () => webhooksReceived.push({ webhookId: typeof webhookId === 'string' ? webhookId : undefined, status: response.statusCode }));
    }
    backend.handle(request, response);
  });
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await t?.stop();
  await analyzer?.close();
});

afterEach(() => {
  // Every failure the backend logs is unexpected in these tests.
  expect(logged).toEqual([]);
});

/** Starts a verification for a signed-in browser: POST /verify, its 303 to the link, and the check the backend created. */
async function startVerification(browser: Browser) {
  const before = calls.length;
  const response = await browser.post('/verify');
  expect(response.status).toBe(303);
  const created = calls.slice(before).find((c) => c.method === 'POST' && c.path === '/liveness_check');
  if (!created?.created) throw new Error('the backend created no check');
  expect(response.headers.get('location')).toBe(created.created.url);
  return { captureUrl: created.created.url, check: created.created, sent: created.sent };
}

const readsOf = (token: string) => calls.filter((c) => c.method === 'GET' && c.path === '/liveness_check' && c.token === token);

interface DeliveryEntry {
  id: string;
  /** Sent as webhook-id. */
  event_id: string;
  event_type: string;
  url: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
}

async function deliveriesOf(checkId: string): Promise<DeliveryEntry[]> {
  const response = await t.request(`/admin/webhook_deliveries?tenant=${TENANT}&check_id=${checkId}`, { key: ADMIN_KEY });
  return ((await response.json()) as { deliveries: DeliveryEntry[] }).deliveries;
}

async function statusOf(browser: Browser): Promise<{ state: string; reason?: string }> {
  const response = await browser.get('/verify/status');
  expect(response.status).toBe(200);
  return (await response.json()) as { state: string; reason?: string };
}

describe('happy', () => {
  it('a signed-in user goes to the capture link, comes back, and sees the outcome read server-side', async () => {
    const alice = new Browser(site);
    await alice.signIn('alice');
    expect(await alice.accountState()).toBe('unverified');

    const { captureUrl, check, sent } = await startVerification(alice);
    expect(sent).toEqual({
      reference: expect.stringMatching(/^user:/),
      redirect_url: `${site}/verify/return`,
      webhook_url: `${site}/webhooks/livecheck`,
      retain_image: false,
    });
    expect(new URL(captureUrl).origin).toBe(t.url);
    const capturePage = await fetch(captureUrl);
    expect(capturePage.status).toBe(200);
    expect(capturePage.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await alice.accountState()).toBe('checking');

    // Hold the decision, so that the user comes back while the check is still being analysed.
    const worker = t.service.worker;
    if (!worker) throw new Error('the service runs no analysis worker');
    await worker.stop();
    let back: string;
    try {
      const finish = await captureBlankAndFinish(captureUrl);
      expect(finish.status).toBe('in_progress');
      back = finish.redirect ?? '';
      expect(back).toBe(`${site}/verify/return?lc_token=${check.token}`);

      const checking = await alice.get(back);
      expect(checking.status).toBe(200);
      const html = await checking.text();
      expect(pageState(html)).toBe('checking');
      // The page's script runs under a nonce and polls the backend, never livecheck.
      const nonce = /<script nonce="([^"]+)">/.exec(html)?.[1];
      expect(checking.headers.get('content-security-policy')).toContain(`'nonce-${nonce}'`);
      expect(html).toContain("fetch('/verify/status'");
      expect(checking.headers.get('referrer-policy')).toBe('same-origin');
      expect(readsOf(check.token).map((c) => c.status)).toEqual([202]);

      // The status poll waits (up to statusWaitMs) with the SDK's backoff, then says "checking".
      const started = Date.now();
      expect(await statusOf(alice)).toEqual({ state: 'checking' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(2400);
      expect(readsOf(check.token).map((c) => c.status)).toEqual([202, 202]);
    } finally {
      worker.start();
    }

    const decided = await eventually(async () => {
      const status = await statusOf(alice);
      return status.state === 'checking' ? undefined : status;
    }, 30_000, 'a decision through /verify/status');
    expect(decided).toMatchObject({ state: 'not_verified', reason: 'no_face' });
    expect(readsOf(check.token).some((c) => c.status === 200)).toBe(true);

    // The page reloads into the outcome, decided again from a server-side read.
    const outcome = await alice.get(back);
    expect(outcome.status).toBe(200);
    const outcomeHtml = await outcome.text();
    expect(pageState(outcomeHtml)).toBe('not_verified');
    expect(outcomeHtml).toContain('We could not see a face.');
    expect(await alice.accountState()).toBe('not_verified');
  });

  it('the signed webhook alone records the outcome, read with the backend’s own GET; a redelivery changes nothing', async () => {
    const carol = new Browser(site);
    await carol.signIn('carol');
    const { captureUrl, check } = await startVerification(carol);
    const finish = await captureBlankAndFinish(captureUrl);
    expect(finish.redirect).toBe(`${site}/verify/return?lc_token=${check.token}`);
    // Carol never comes back to the backend: only the webhook can tell it.

    await eventually(async () => (await carol.accountState()) === 'not_verified', 30_000, 'the webhook to be recorded');
    const [delivery] = await eventually(async () => {
      const log = await deliveriesOf(check.id);
      return log[0]?.status === 'delivered' ? log : undefined;
    }, 10_000, 'the delivery log');
    expect(delivery).toMatchObject({ event_type: 'liveness_check.failed', url: `${site}/webhooks/livecheck`, attempts: 1, last_status_code: 204 });
    const reads = readsOf(check.token);
    expect(reads.map((c) => c.status)).toEqual([200]);

    // The same event again (same webhook-id): acknowledged, not acted on twice.
    if (!delivery) throw new Error('unreachable');
    const webhookId = delivery.event_id;
    const received = () => webhooksReceived.filter((w) => w.webhookId === webhookId);
    expect(received()).toEqual([{ webhookId, status: 204 }]);
    const redeliver = await t.request(`/admin/webhook_deliveries/${delivery.id}/redeliver`, { method: 'POST', key: ADMIN_KEY });
    expect(redeliver.status).toBe(202);
    await eventually(() => received().length === 2, 10_000, 'the redelivery');
    expect(received()).toEqual([
      { webhookId, status: 204 },
      { webhookId, status: 204 },
    ]);
    expect(readsOf(check.token)).toHaveLength(1);
    expect(await carol.accountState()).toBe('not_verified');
  });
});

describe('in Chromium', () => {
  it('the user clicks through, and the “Checking…” page polls the backend until it turns into the outcome', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
    const worker = t.service.worker;
    if (!worker) throw new Error('the service runs no analysis worker');
    try {
      const page = await (await browser.newContext()).newPage();
      const problems: string[] = [];
      page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
      page.on('pageerror', (error) => problems.push(error.message));

      await page.goto(site);
      await page.fill('input[name=name]', 'lena');
      await page.click('form[action="/sign-in"] button');
      await page.waitForSelector('main[data-state="unverified"]');
      await Promise.all([page.waitForURL(`${t.url}/c/**`), page.click('form[action="/verify"] button')]);

      await worker.stop();
      let back: string;
      try {
        back = (await captureBlankAndFinish(page.url())).redirect ?? '';
        await page.goto(back);
        await page.waitForSelector('main[data-state="checking"]');
        // The script runs (its nonce matches the CSP) and its first status request comes back "checking".
        const firstPoll = await page.waitForResponse((r) => r.url() === `${site}/verify/status`, { timeout: 10_000 });
        expect(await firstPoll.json()).toEqual({ state: 'checking' });
        expect(page.url()).toBe(back);
      } finally {
        worker.start();
      }
      await page.waitForSelector('main[data-state="not_verified"]', { timeout: 30_000 });
      expect(await page.textContent('main')).toContain('We could not see a face.');
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe('security', () => {
  it('an lc_token that is not this session’s check is refused, and never used to read a result', async () => {
    const erin = new Browser(site);
    const frank = new Browser(site);
    await erin.signIn('erin');
    await frank.signIn('frank');
    const erinCheck = (await startVerification(erin)).check;
    const frankStart = await startVerification(frank);
    const frankBack = (await captureBlankAndFinish(frankStart.captureUrl)).redirect ?? '';
    expect(frankBack).toContain(`lc_token=${frankStart.check.token}`);
    // Let Frank's webhook come and go first, so that nothing else reads from livecheck meanwhile.
    await eventually(async () => (await frank.accountState()) === 'not_verified', 30_000, 'Frank’s webhook');

    const before = calls.length;
    const signedOut = new Browser(site);
    const gina = new Browser(site);
    await gina.signIn('gina');
    const attempts: Array<[Browser, string]> = [
      [erin, frankBack], // another user's real token
      [erin, '/verify/return'],
      [erin, '/verify/return?lc_token='],
      [erin, `/verify/return?lc_token=${erinCheck.token}x`],
      [signedOut, frankBack],
      [gina, frankBack], // signed in, no verification started
      [gina, `/verify/return?lc_token=${erinCheck.token}`],
    ];
    for (const [browser, target] of attempts) {
      const response = await browser.get(target);
      expect(response.status, target).toBe(400);
      expect(pageState(await response.text())).toBe('mismatch');
    }
    expect(calls.slice(before)).toEqual([]);
    expect(await erin.accountState()).toBe('checking');

    // Frank's own return is accepted.
    const own = await frank.get(frankBack);
    expect(own.status).toBe(200);
    expect(pageState(await own.text())).toBe('not_verified');
  });

  it('a forged webhook is rejected with 400 and reads nothing', async () => {
    const hank = new Browser(site);
    await hank.signIn('hank');
    const { check } = await startVerification(hank);
    const event = { id: 'msg_forged0000000000000000000000001', type: 'liveness_check.completed', timestamp: new Date().toISOString(), data: { id: check.id, status: 'complete', reference: null } };
    const body = JSON.stringify(event);
    const otherSecret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const post = (headers: Record<string, string>, payload = body) => fetch(`${site}/webhooks/livecheck`, { method: 'POST', headers, body: payload });

    const before = calls.length;
    const cases: Array<[Response, string]> = [
      [await post(webhookHeaders(otherSecret, event.id, body)), 'no_matching_signature'],
      [await post({ 'content-type': 'application/json' }), 'missing_header'],
      [await post(webhookHeaders(webhookSecret, event.id, body), body.replace('completed', 'failed')), 'no_matching_signature'],
      [await post(webhookHeaders(webhookSecret, event.id, body, Math.floor(Date.now() / 1000) - 600)), 'timestamp_too_old'],
    ];
    for (const [response, reason] of cases) {
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({ error: reason });
    }
    expect(calls.slice(before)).toEqual([]);
    expect(await hank.accountState()).toBe('checking');
  });

  it('a correctly signed event is no evidence: the backend reads the check, still pending, and records nothing', async () => {
    const dave = new Browser(site);
    await dave.signIn('dave');
    const { check } = await startVerification(dave);
    const event = { id: 'msg_replayed000000000000000000000001', type: 'liveness_check.completed', timestamp: new Date().toISOString(), data: { id: check.id, status: 'complete', reference: null } };
    const body = JSON.stringify(event);

    const first = await fetch(`${site}/webhooks/livecheck`, { method: 'POST', headers: webhookHeaders(webhookSecret, event.id, body), body });
    expect(first.status).toBe(204);
    expect(readsOf(check.token).map((c) => c.status)).toEqual([202]);
    expect(await dave.accountState()).toBe('checking');

    // The same webhook-id again is handled once.
    const second = await fetch(`${site}/webhooks/livecheck`, { method: 'POST', headers: webhookHeaders(webhookSecret, event.id, body), body });
    expect(second.status).toBe(204);
    expect(readsOf(check.token)).toHaveLength(1);
  });

  it('starting a verification needs a session and a request from the site’s own pages', async () => {
    const before = calls.length;
    const anonymous = await new Browser(site).post('/verify');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/');

    const ivan = new Browser(site);
    await ivan.signIn('ivan');
    expect((await ivan.post('/verify', {}, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await ivan.post('/verify', {}, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await ivan.post('/verify', {}, { 'sec-fetch-site': 'same-site' })).status).toBe(403);
    expect(calls.slice(before)).toEqual([]);
    expect(await ivan.accountState()).toBe('unverified');

    const status = await new Browser(site).get('/verify/status');
    expect(status.status).toBe(401);
  });

  it('the session cookie is HttpOnly and SameSite=Lax, and every sign-in gets a new one', async () => {
    const signIn = (name: string, cookie?: string) =>
      fetch(`${site}/sign-in`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
        body: `name=${name}`,
      });
    const first = (await signIn('judy')).headers.get('set-cookie') ?? '';
    expect(first).toMatch(/^session=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    const firstSession = first.split(';')[0] ?? '';
    const second = (await signIn('judy', firstSession)).headers.get('set-cookie') ?? '';
    expect(second.split(';')[0]).not.toBe(firstSession);
    // The old session is gone.
    const home = await fetch(`${site}/`, { headers: { cookie: firstSession } });
    expect(pageState(await home.text())).toBe('signed_out');
  });
});

describe('errors', () => {
  it('livecheck unreachable: POST /verify answers 502 and logs, without a check in the session', async () => {
    const port = await closedPort();
    const failures: string[] = [];
    const local = createServer();
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    const localSite = `http://127.0.0.1:${(local.address() as AddressInfo).port}`;
    const backend = createReferenceBackend({ livecheckUrl: `http://127.0.0.1:${port}`, apiKey, webhookSecret, publicUrl: localSite, log: (message) => failures.push(message) });
    local.on('request', backend.handle);
    try {
      const browser = new Browser(localSite);
      await browser.signIn('kim');
      const response = await browser.post('/verify');
      expect(response.status).toBe(502);
      expect(failures).toEqual(['POST /verify failed']);
      expect(await browser.accountState()).toBe('unverified');
    } finally {
      local.closeAllConnections();
      await new Promise((resolve) => local.close(resolve));
    }
  }, 20_000);

  it('unknown routes are 404; a bad form is refused', async () => {
    expect((await fetch(`${site}/nope`)).status).toBe(404);
    // A path that is not a valid relative URL on its own answers 404, and the server stays up.
    expect((await fetch(`${site}//`)).status).toBe(404);
    expect((await fetch(`${site}//127.0.0.1/verify/return`)).status).toBe(404);
    expect((await new Browser(site).post('/sign-in', { name: '' })).status).toBe(400);
    expect((await new Browser(site).post('/sign-in', { name: 'x'.repeat(65) })).status).toBe(400);
  });
});

describe('main.ts', () => {
  it('reads its settings from the environment; a missing or bad one names the variable', () => {
    const env = { LIVECHECK_URL: 'http://127.0.0.1:3000', LIVECHECK_API_KEY: 'lc_x', LIVECHECK_WEBHOOK_SECRET: 'whsec_eA==' };
    expect(readBackendConfig({ ...env, PORT: '4100' })).toEqual({
      port: 4100,
      host: '127.0.0.1',
      backend: { livecheckUrl: 'http://127.0.0.1:3000', apiKey: 'lc_x', webhookSecret: 'whsec_eA==', publicUrl: 'http://127.0.0.1:4100' },
    });
    expect(() => readBackendConfig({})).toThrow(/LIVECHECK_URL is required.*LIVECHECK_API_KEY is required.*LIVECHECK_WEBHOOK_SECRET is required/);
    expect(() => readBackendConfig({ ...env, LIVECHECK_API_KEY: 'sk_live' })).toThrow(ConfigError);
    expect(() => readBackendConfig({ ...env, PUBLIC_URL: 'https://app.example/base' })).toThrow(/PUBLIC_URL/);
    expect(() => readBackendConfig({ ...env, PORT: 'eighty' })).toThrow(/PORT/);
  });

  it('starts as a process, serves, and stops on SIGTERM; without settings it exits 1', async () => {
    const run = (env: Record<string, string>) => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'examples/reference-backend/main.ts'], {
        cwd: fileURLToPath(new URL('../../', import.meta.url)),
        env: { PATH: process.env.PATH ?? '', ...env },
      });
      const output = { stdout: '', stderr: '' };
      child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      return { child, output, exited };
    };

    const bare = run({});
    expect(await bare.exited).toBe(1);
    expect(bare.output.stderr).toContain('LIVECHECK_API_KEY is required');

    const port = await closedPort();
    const served = run({ PORT: String(port), LIVECHECK_URL: t.url, LIVECHECK_API_KEY: apiKey, LIVECHECK_WEBHOOK_SECRET: webhookSecret });
    try {
      await eventually(() => served.output.stdout.includes('listening'), 15_000, 'main.ts to listen');
      const home = await fetch(`http://127.0.0.1:${port}/`);
      expect(home.status).toBe(200);
      expect(pageState(await home.text())).toBe('signed_out');
    } finally {
      served.child.kill('SIGTERM');
    }
    expect(await served.exited).toBe(0);
  }, 30_000);
});

describe('README', () => {
  it('every code excerpt of the Integration guide is in the example’s source, as written', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const guide = /^## Integration guide\n([\s\S]*?)(?=^## |(?![\s\S]))/m.exec(readme)?.[1] ?? '';
    const excerpts = [...guide.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
    expect(excerpts.length).toBeGreaterThanOrEqual(4);
    const dir = new URL('../../examples/reference-backend/', import.meta.url);
    const source = ['backend.ts', 'verification.ts', 'webhook.ts'].map((f) => readFileSync(new URL(f, dir), 'utf8')).join('\n');
    const normalise = (text: string) =>
      text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && line !== '// …')
        .join('\n');
    for (const excerpt of excerpts) {
      // An excerpt may skip lines ("// …"); each run between skips must appear as written.
      for (const part of excerpt.split(/^\s*\/\/ …\s*$/m)) {
        expect(normalise(source), part).toContain(normalise(part));
      }
    }
  });
});
