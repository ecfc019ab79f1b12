// The sandbox in real Chromium against the real service: a test check's link opens the simulation
// page (no camera, no CSP violation), whose buttons decide the check for the backend to read with its
// test key; and /docs lets a reader authorise with a test key and try the API from the page.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Browser, type Page, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { CHROMIUM, cspViolations, watchCsp } from '../page/browser.js';
import { createCheck, read } from './helpers.js';

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

interface Axe {
  run(context: Document, options: object): Promise<{ violations: Array<{ id: string; impact: string | null; nodes: Array<{ target: unknown[] }> }> }>;
}

/** Serious and critical axe-core findings, injected through DevTools (the page's CSP stays as served). */
async function axeViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(() => {
    const axe = (window as unknown as { axe?: Axe }).axe;
    if (!axe) throw new Error('axe-core did not load');
    return axe.run(document, { resultTypes: ['violations'] });
  });
  return found.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} at ${JSON.stringify(v.nodes.map((n) => n.target))}`);
}

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
let t: TestService;
let browser: Browser;
let testKey: string;
let liveKey: string;
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
  t = await startTestService('sqlite', { analyzer });
  testKey = await t.tenantKey('acme', 'test');
  liveKey = await t.tenantKey('acme');
  // No camera permission and no fake device: the simulation page must not need one.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
});
afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await analyzer?.close();
});

async function openPage(url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  await watchCsp(context);
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

describe('the simulation page', () => {
  it('passes a test check with one click; the backend then reads passed:true with its test key', async () => {
    const check = await createCheck(t, testKey, { redirect_url: `${t.url}/healthz` });
    const page = await openPage(check.url);
    await page.locator('body[data-ready="true"]').waitFor();
    expect(await page.locator('h1').textContent()).toBe('Sandbox liveness check');
    expect(await page.evaluate(() => Boolean(document.querySelector('video')))).toBe(false);
    await page.getByRole('button', { name: 'Pass' }).click();
    await page.getByRole('status').filter({ hasText: 'Decided' }).waitFor();
    // Then back to the site with lc_token, like the capture page.
    await page.waitForURL((url) => url.pathname === '/healthz');
    expect(new URL(page.url()).searchParams.get('lc_token')).toBe(check.token);
    const { status, body } = await read(t, testKey, check.token);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'complete', mode: 'test', result: { passed: true } });
    await page.context().close();
  });

  it('fails with the chosen reason, keeps a check in progress, and expires a link', async () => {
    const failing = await createCheck(t, testKey);
    let page = await openPage(failing.url);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.getByLabel('Failure reason').selectOption('too_dark');
    await page.getByRole('button', { name: 'Fail' }).click();
    await page.getByRole('status').filter({ hasText: 'Decided' }).waitFor();
    expect(await cspViolations(page)).toEqual([]);
    expect((await read(t, testKey, failing.token)).body).toMatchObject({ status: 'failed', result: { passed: false, failure_reason: 'too_dark' } });
    await page.context().close();

    const expiring = await createCheck(t, testKey);
    page = await openPage(expiring.url);
    await page.locator('body[data-ready="true"]').waitFor();
    await page.getByRole('button', { name: 'Stay in progress' }).click();
    await page.getByRole('status').filter({ hasText: 'in progress' }).waitFor();
    expect((await read(t, testKey, expiring.token)).body.status).toBe('in_progress');
    await page.getByRole('button', { name: 'Expire the link' }).click();
    await page.getByRole('status').filter({ hasText: 'Decided' }).waitFor();
    expect((await read(t, testKey, expiring.token)).body.result).toMatchObject({ failure_reason: 'capture_abandoned' });
    expect(await cspViolations(page)).toEqual([]);
    await page.context().close();
  });

  it('has no serious accessibility findings, in light and dark', async () => {
    const check = await createCheck(t, testKey);
    for (const colorScheme of ['light', 'dark'] as const) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, colorScheme });
      const page = await context.newPage();
      await page.goto(check.url);
      await page.locator('body[data-ready="true"]').waitFor();
      expect(await axeViolations(page), colorScheme).toEqual([]);
      await context.close();
    }
  });

  it('is never shown for a live check: its link opens the camera page', async () => {
    const live = await createCheck(t, liveKey);
    const page = await openPage(live.url);
    await page.waitForLoadState('domcontentloaded');
    expect(await page.locator('text=Sandbox liveness check').count()).toBe(0);
    expect(await page.locator('button[data-outcome]').count()).toBe(0);
    await page.context().close();
  });
});

describe('/docs', () => {
  it('lets a reader authorise with a test key and try an endpoint, same origin under its CSP', async () => {
    const page = await openPage(`${t.url}/docs/`);
    await page.locator('.btn.authorize').first().click();
    await page.locator('.auth-container input').first().fill(testKey);
    await page.locator('.auth-btn-wrapper .btn.authorize').first().click();
    await page.locator('.btn-done').first().click();
    const create = page.locator('.opblock-post', { has: page.locator('[data-path="/liveness_check"]') }).first();
    await create.locator('.opblock-summary').click();
    const editor = create.locator('textarea.body-param__text');
    await editor.waitFor();
    await editor.fill('{"reference": "tried-in-docs"}');
    await create.locator('.btn.execute').click();
    const status = create.locator('.live-responses-table tr.response .response-col_status').first();
    await status.waitFor();
    expect((await status.textContent())?.trim()).toBe('201');
    const shown = await create.locator('.live-responses-table tr.response .microlight').first().textContent();
    const created = JSON.parse(shown ?? '{}') as { token: string; mode: string; reference: string };
    expect(created).toMatchObject({ mode: 'test', reference: 'tried-in-docs' });
    expect((await read(t, testKey, created.token)).body).toMatchObject({ status: 'pending', mode: 'test' });
    // Swagger UI's bundle tries one inline <style> on load, which the CSP blocks without harm (the
    // reference is styled by its own stylesheet); nothing else may be refused: no fetch, no script.
    expect((await cspViolations(page)).filter((v) => v !== 'style-src-elem inline')).toEqual([]);
    await page.context().close();
  });
});
