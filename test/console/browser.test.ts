// The review console in real Chromium against the real service: sign in, find a check completed in
// this test through the real capture protocol, open it, see the face box drawn where the API says,
// export the case; live updates; another tenant sees none of it; axe scans, no CSP violation, no
// request leaving the origin; screenshots of every view at 1280×800 and 390×844 (artifacts/).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { type TestBrowser, cspViolations, launchBrowser, screenshotDir, watchCsp } from '../page/browser.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { type BoxResult, type CreatedCheck, captureIdOf, completeStillPhotoCheck, createCheck } from './helpers.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const SIZES = [
  { width: 1280, height: 800 },
  { width: 390, height: 844 },
] as const;

interface AxeResult {
  violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }>;
}

/** Serious and critical axe findings; axe is evaluated over the DevTools protocol, outside the page's CSP. */
async function axeViolations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  const { violations } = (await page.evaluate(() => (window as unknown as { axe: { run(d: Document, o: object): Promise<unknown> } }).axe.run(document, { resultTypes: ['violations'] }))) as AxeResult;
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** Both sizes in light and dark photographed, an axe scan per scheme, and no sideways scrolling on the phone. */
async function record(page: Page, view: string): Promise<void> {
  const dir = screenshotDir();
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(dir, `console-${view}-${size.width}x${size.height}-${colorScheme}.png`), fullPage: true, animations: 'disabled' });
      if (size.width === 390) {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        expect(overflow, `${view} scrolls sideways at 390 px`).toBeLessThanOrEqual(0);
      }
    }
    await page.setViewportSize(SIZES[0]);
    await page.waitForTimeout(300);
    expect(await axeViolations(page), `${view} in ${colorScheme}`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
let t: TestService;
let browser: TestBrowser;
let acmeKey: string;
let globexKey: string;
let still: { check: CreatedCheck; result: BoxResult };
let globexCheck: CreatedCheck;
let origin: string;

beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 1 });
  await analyzer.ready();
  t = await startTestService('sqlite', { analyzer });
  origin = new URL(t.url).origin;
  acmeKey = await t.tenantKey('acme');
  globexKey = await t.tenantKey('globex');
  await seedHistory(t, acmeKey);
  still = await completeStillPhotoCheck(t, acmeKey, { reference: 'browser-case-1' });
  expect(still.result.status).toBe(200);
  for (let i = 0; i < 3; i++) await createCheck(t, acmeKey, { reference: `acme-order-${i}` });
  globexCheck = await createCheck(t, globexKey, { reference: 'globex-only' });
  await t.request('/admin/webhook_endpoints', { method: 'POST', key: ADMIN_KEY, json: { tenant: 'acme', url: 'https://hooks.acme.example/livecheck' } });
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await t?.stop();
  await analyzer?.close();
});

const DAY_MS = 86_400_000;
const REASONS = ['flat_surface', 'step_not_done', 'no_face', 'identity_changed'];

/**
 * A week of earlier checks so the list and the overview's charts have something to show. A test-only
 * shortcut: the checks are created through the API, then their decision is written into the store
 * directly (the API tests and the case above go through the real capture and models instead).
 */
async function seedHistory(service: TestService, key: string): Promise<void> {
  const db = service.service.store.db;
  for (let day = 6; day >= 1; day--) {
    service.clock.advance(-day * DAY_MS);
    for (let i = 0; i < 2 + (day % 4); i++) {
      const check = await createCheck(service, key, { reference: `history-${day}-${i}`, expires_in: 600 });
      const now = service.clock.now();
      if (i === 3) continue; // never used: shows as expired
      const passed = (i + day) % 3 !== 0;
      const reason = REASONS[(i + day) % REASONS.length];
      const result = { passed, confidence: passed ? 0.82 + i / 100 : 0.12, threshold: 0.5, checked_at: new Date(now + 9000).toISOString(), ...(passed ? {} : { failure_reason: reason }) };
      await db
        .updateTable('liveness_checks')
        .set({ status: 'complete', result: JSON.stringify(result), started_at: now + 1000, finished_at: now + 8000, completed_at: now + 8000 + 900 + ((i * 700 + day * 300) % 2500) })
        .where('id', '=', check.id)
        .execute();
    }
    service.clock.advance(day * DAY_MS);
  }
}

async function openConsole(key: string): Promise<{ context: BrowserContext; page: Page; requests: string[] }> {
  const context = await browser.browser.newContext({ viewport: SIZES[0], acceptDownloads: true });
  await watchCsp(context);
  const page = await context.newPage();
  const requests: string[] = [];
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(`${t.url}/console`);
  await page.getByLabel('API key or admin key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Checks' }).waitFor();
  return { context, page, requests };
}

describe('review console in Chromium', () => {
  it('signs in, finds the completed check, shows the face boxes where the API says, exports the case, and photographs every view', async () => {
    const context = await browser.browser.newContext({ viewport: SIZES[0], acceptDownloads: true });
    await watchCsp(context);
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (request) => requests.push(request.url()));
    const response = await page.goto(`${t.url}/console`);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'self'");
    expect(response?.headers()['content-security-policy']).not.toContain('unsafe-inline');
    await page.getByLabel('API key or admin key').waitFor();
    await record(page, 'sign-in');

    // A wrong key is refused in words.
    await page.getByLabel('API key or admin key').fill('lc_live_not_a_key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('That key was not accepted').waitFor();

    await page.getByLabel('API key or admin key').fill(acmeKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const row = page.locator(`tr[data-check-id="${still.check.id}"]`);
    await row.waitFor();
    await expect.poll(() => row.locator('td[data-label="Outcome"]').textContent()).toBe('Not passed');
    await record(page, 'checks');

    // Search by reference narrows the list to the case.
    await page.getByLabel('Search').fill('browser-case');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await row.getByRole('link').click();

    await page.locator('.face-box').first().waitFor();
    await page.getByRole('heading', { name: 'Challenge steps' }).waitFor();
    const api = still.result.body.result;
    const expected = [api.bounding_box, ...(api.audit_images ?? []).map((a) => a.bounding_box as typeof api.bounding_box)];
    const shots = page.locator('.shot');
    expect(await shots.count()).toBe(expected.length);
    for (let i = 0; i < expected.length; i++) {
      const box = expected[i];
      if (!box) throw new Error('the API returned no bounding box');
      const shot = shots.nth(i);
      // Image and rectangle measured in one go, once every image is decoded, so no layout moves between them.
      // The rectangle as drawn: its geometry through the SVG's screen transform (getBoundingClientRect
      // would add the stroke's own extent).
      const { image, drawn } = await shot.evaluate(async (figure: HTMLElement) => {
        await Promise.all([...document.querySelectorAll('img')].map((img) => img.decode()));
        const img = figure.querySelector('img');
        const rect = figure.querySelector<SVGRectElement>('.face-box');
        const m = rect?.getScreenCTM();
        if (!img || !rect || !m) return { image: undefined, drawn: undefined };
        const r = img.getBoundingClientRect();
        const x = rect.x.baseVal.value;
        const y = rect.y.baseVal.value;
        return {
          image: { x: r.x, y: r.y, width: r.width, height: r.height },
          drawn: { x: m.a * x + m.e, y: m.d * y + m.f, width: m.a * rect.width.baseVal.value, height: m.d * rect.height.baseVal.value },
        };
      });
      if (!image || !drawn) throw new Error('image or box not rendered');
      const where = JSON.stringify({ drawn, image, box });
      expect(Math.abs(drawn.x - (image.x + box.left * image.width)), where).toBeLessThan(1);
      expect(Math.abs(drawn.y - (image.y + box.top * image.height)), where).toBeLessThan(1);
      expect(Math.abs(drawn.width - box.width * image.width)).toBeLessThan(1);
      expect(Math.abs(drawn.height - box.height * image.height)).toBeLessThan(1);
      // And the stroke is really painted there: the outline's extent hugs that rectangle.
      const painted = await shot.locator('.face-box').boundingBox();
      if (!painted) throw new Error('box not painted');
      expect(Math.abs(painted.x - drawn.x), JSON.stringify({ painted, drawn, image, box })).toBeLessThan(6);
      expect(Math.abs(painted.y - drawn.y), JSON.stringify({ painted, drawn, image, box })).toBeLessThan(6);
    }
    await expect.poll(() => page.getByTestId('expiry-audit-images').textContent()).toMatch(/Audit images deleted in \d+:\d\d min/);
    expect(await page.getByTestId('decision').textContent()).toMatch(/\w+/);
    // Identity is judged against the bar stored with this check's result, not a number of the page's own.
    const { result } = await t.service.store.db.selectFrom('liveness_checks').select('result').where('id', '=', still.check.id).executeTakeFirstOrThrow();
    const decided = JSON.parse(result ?? 'null') as { signals: { identitySimilarity: number }; limits: { identity_min: number; identity_turned_min: number } };
    const identity = page.locator('.signal').filter({ hasText: 'Identity similarity' });
    expect(await identity.locator('meter').getAttribute('low')).toBe(String(decided.limits.identity_min));
    expect(await identity.locator('small').textContent()).toContain(`(${decided.limits.identity_turned_min.toFixed(2)} when turned counts as ${decided.limits.identity_min.toFixed(2)}); below ${decided.limits.identity_min.toFixed(2)} the face changed`);
    expect(await identity.locator('.outcome').textContent()).toBe(decided.signals.identitySimilarity >= decided.limits.identity_min ? 'OK' : 'Low');
    await record(page, 'case');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export case' }).click()]);
    expect(download.suggestedFilename()).toBe(`livecheck-case-${still.check.id}.json`);
    const exported = JSON.parse(readFileSync(await download.path(), 'utf8')) as { check: { id: string }; images: Array<{ image: string; bounding_box: object }> };
    expect(exported.check.id).toBe(still.check.id);
    expect(exported.images.map((i) => i.bounding_box)).toEqual(expected);
    expect(exported.images[0]?.image).toBe(api.image);

    await page.getByRole('link', { name: 'Overview' }).click();
    await page.locator('svg.chart').first().waitFor();
    await page.getByText('Pass rate').waitFor();
    await record(page, 'overview');

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByText('https://hooks.acme.example/livecheck').waitFor();
    await page.getByRole('button', { name: 'Create API key' }).click();
    await expect.poll(() => page.getByTestId('secret-once').textContent()).toMatch(/^lc_/);
    await page.getByRole('button', { name: /Delivery log of/ }).click();
    await page.getByRole('heading', { name: /Deliveries to/ }).waitFor();
    await record(page, 'settings');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key or admin key').waitFor();
    await page.reload();
    await page.getByLabel('API key or admin key').waitFor();

    expect(await cspViolations(page)).toEqual([]);
    expect(requests.filter((url) => new URL(url).origin !== origin)).toEqual([]);
    await context.close();
  });

  it('updates an open check in the list as it moves on, without a reload', async () => {
    const open = await createCheck(t, acmeKey, { reference: 'live-update' });
    const { context, page } = await openConsole(acmeKey);
    const status = page.locator(`tr[data-check-id="${open.id}"] td[data-label="Status"]`);
    await expect.poll(() => status.textContent()).toBe('Pending');
    expect((await t.request(`/v1/capture/${captureIdOf(open.url)}/start`, { method: 'POST' })).status).toBe(200);
    await expect.poll(() => status.textContent(), { timeout: 10_000 }).toBe('In progress');
    await context.close();
  });

  it('a tenant cannot see another tenant’s checks, by list, search or link', async () => {
    const { context, page } = await openConsole(globexKey);
    await page.locator(`tr[data-check-id="${globexCheck.id}"]`).waitFor();
    expect(await page.locator(`tr[data-check-id="${still.check.id}"]`).count()).toBe(0);
    expect(await page.locator('tbody tr').count()).toBe(1);
    await page.getByLabel('Search').fill(still.check.id);
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('No checks match.').waitFor();
    await page.goto(`${t.url}/console#/checks/${still.check.id}`);
    await page.getByRole('alert').filter({ hasText: 'no check with that id' }).waitFor();
    expect(await page.locator('.face-box').count()).toBe(0);
    await context.close();
  });

  it('speaks the reviewer’s language', async () => {
    const context = await browser.browser.newContext({ viewport: SIZES[1], locale: 'de-DE' });
    const page = await context.newPage();
    await page.goto(`${t.url}/console`);
    await page.getByLabel('API-Schlüssel oder Admin-Schlüssel').fill(acmeKey);
    await page.getByRole('button', { name: 'Anmelden' }).click();
    await page.getByRole('heading', { name: 'Prüfungen' }).waitFor();
    await expect.poll(() => page.locator(`tr[data-check-id="${still.check.id}"] td[data-label="Ergebnis"]`).textContent()).toBe('Nicht bestanden');
    await page.screenshot({ path: path.join(screenshotDir(), 'console-checks-390x844-de.png'), fullPage: true });
    await context.close();
  });

  it('the admin sees every tenant', async () => {
    const { context, page } = await openConsole(ADMIN_KEY);
    await page.locator(`tr[data-check-id="${globexCheck.id}"]`).waitFor();
    await page.locator(`tr[data-check-id="${still.check.id}"]`).waitFor();
    await page.getByLabel('Tenant').selectOption('globex');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await context.close();
  });
});
