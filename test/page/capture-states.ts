// Every state of the capture page, reached for real in Chromium, photographed at 390×844 and
// 1280×800 in light and dark (artifacts/screenshots/), scanned with axe-core, and checked for
// sideways scrolling at 320 px. Run by browser-suite.test.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { accentPalette } from '../../src/tenancy/accent-colour.js';
import { type CanvasCameraOptions, canvasCamera, screenshotDir, setTabHidden } from './browser.js';
import type { PageSuite } from './harness.js';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

const SIZES = [
  { width: 390, height: 844 },
  { width: 1280, height: 800 },
] as const;
const SCHEMES = ['light', 'dark'] as const;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: Array<{ target: unknown[] }>;
}

declare global {
  interface Window {
    axe?: { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> };
  }
}

const recorded: string[] = [];
const FULL_RUN_MS = 150_000;

/** Serious and critical axe findings on the page as it is now. */
async function axeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern: the page
  // itself stays under its real policy while it is scanned.
  if (!(await page.evaluate(() => window.axe !== undefined))) await page.evaluate(AXE_SOURCE);
  const { violations } = await page.evaluate(() => {
    if (!window.axe) throw new Error('axe-core did not load');
    return window.axe.run(document, { resultTypes: ['violations'] });
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')}`);
}

/** Screenshots of the state in both sizes and schemes, an axe scan per scheme, and a 320 px check. */
async function record(page: Page, state: string): Promise<void> {
  const dir = screenshotDir();
  for (const colorScheme of SCHEMES) {
    await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
    for (const size of SIZES) {
      await page.setViewportSize(size);
      await page.screenshot({ path: path.join(dir, `${state}-${size.width}x${size.height}-${colorScheme}.png`), fullPage: true, animations: 'disabled' });
    }
    await page.setViewportSize(SIZES[0]);
    expect(await axeViolations(page), `${state} in ${colorScheme}`).toEqual([]);
  }
  await page.setViewportSize({ width: 320, height: 640 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  expect(overflow, `${state} scrolls sideways at 320 px`).toBeLessThanOrEqual(0);
  await page.setViewportSize(SIZES[0]);
  recorded.push(state);
}

interface OpenOptions {
  camera?: boolean;
  canvas?: CanvasCameraOptions;
  init?: () => void;
}

async function openPage(suite: PageSuite, url: string, options: OpenOptions = {}): Promise<{ page: Page; context: BrowserContext }> {
  const context = await suite.browser.context({ camera: options.camera ?? true });
  if (options.canvas) await canvasCamera(context, options.canvas);
  if (options.init) await context.addInitScript(options.init);
  const page = await context.newPage();
  await page.goto(url);
  return { page, context };
}

const heading = (page: Page, name: string | RegExp, timeout = 30_000) => page.getByRole('heading', { level: 1, name }).waitFor({ timeout });
const tap = (page: Page, name: string | RegExp) => page.getByRole('button', { name }).click();

export function captureStateTests(suite: PageSuite): void {
  describe('capture page states', () => {
    it('intro, waiting for the camera, preview', async () => {
      const check = await suite.harness.createCheck();
      const { page, context } = await openPage(suite, check.url, { canvas: { delayMs: 60_000 } });
      await heading(page, 'Show that it’s really you');
      await record(page, 'intro');
      await tap(page, /Start/);
      await heading(page, 'Waiting for the camera…');
      await record(page, 'camera-waiting');
      await context.close();

      const ready = await openPage(suite, check.url);
      await tap(ready.page, /Start/);
      await heading(ready.page, 'Get ready');
      await ready.page.waitForFunction(() => (document.querySelector('video')?.videoWidth ?? 0) > 0);
      await record(ready.page, 'preview');
      await ready.context.close();
    });

    it('capturing: the connection notice, a step with its arrow, sending, done', { timeout: FULL_RUN_MS }, async () => {
      const check = await suite.harness.createCheck();
      const { page, context } = await openPage(suite, check.url);
      await tap(page, /Start/);
      // Uploads fail as if offline from the first frame: the notice shows during the opening phase.
      await page.route('**/frames', (route) => route.abort('internetdisconnected'));
      await tap(page, /I’m ready/);
      await page.getByRole('alert').filter({ hasText: 'Connection lost' }).waitFor({ timeout: 10_000 });
      await record(page, 'capture-reconnecting');
      await page.unroute('**/frames');
      let release: () => void = () => undefined;
      const held = new Promise<void>((resolve) => (release = resolve));
      await page.route('**/finish', async (route) => {
        await held;
        await route.continue();
      });
      await heading(page, /Turn your head|Tilt your head/, 90_000);
      await record(page, 'capture-step');
      await heading(page, 'Sending… keep this page open.', 90_000);
      await page.getByRole('alert').waitFor({ state: 'hidden' });
      await record(page, 'capture-sending');
      release();
      await heading(page, 'Thanks, you’re done', 90_000);
      await record(page, 'done');
      await context.close();
    });

    it('no face in view: the words while looking, then the give-up screen', { timeout: FULL_RUN_MS }, async () => {
      const check = await suite.harness.createCheck();
      const { page, context } = await openPage(suite, check.url, { canvas: { fill: '#8a949e' } });
      await tap(page, /Start/);
      await tap(page, /I’m ready/);
      await page.getByRole('status').filter({ hasText: /can’t see your face/ }).waitFor({ timeout: 60_000 });
      await record(page, 'capture-feedback');
      await heading(page, 'We couldn’t see your face well', 90_000);
      await record(page, 'no-face');
      await context.close();
    });

    it('camera problems: denied, none, busy, unsupported', async () => {
      const cases: Array<[string, string, OpenOptions]> = [
        ['camera-denied', 'Camera access is blocked', { camera: false }],
        ['no-camera', 'No camera found', { canvas: { failWith: 'NotFoundError' } }],
        ['camera-busy', 'The camera is busy', { canvas: { failWith: 'NotReadableError' } }],
        ['unsupported', 'This browser can’t use the camera here', { init: () => Object.defineProperty(navigator, 'mediaDevices', { value: undefined }) }],
      ];
      for (const [state, title, options] of cases) {
        // Each Start counts an attempt on its link (3 per link): a fresh link per case.
        const check = await suite.harness.createCheck();
        const { page, context } = await openPage(suite, check.url, options);
        await tap(page, /Start/);
        await heading(page, title);
        await record(page, state);
        await context.close();
      }
    });

    it('links: unknown, expired, finished, out of attempts', async () => {
      const unknown = await openPage(suite, `${suite.harness.origin}/c/cap_${'0'.repeat(40)}`);
      await tap(unknown.page, /Start/);
      await heading(unknown.page, 'This link doesn’t work');
      await record(unknown.page, 'link-unknown');
      await unknown.context.close();

      const finished = await suite.harness.createCheck();
      await suite.harness.capture(finished.captureId, 'start');
      await suite.harness.capture(finished.captureId, 'finish');
      const done = await openPage(suite, finished.url);
      await tap(done.page, /Start/);
      await heading(done.page, 'This check is already done');
      await record(done.page, 'link-finished');
      await done.context.close();

      const spent = await suite.harness.createCheck();
      for (let i = 0; i < 3; i++) await suite.harness.capture(spent.captureId, 'start');
      const noMore = await openPage(suite, spent.url);
      await tap(noMore.page, /Start/);
      await heading(noMore.page, 'No more tries on this link');
      await record(noMore.page, 'link-no-attempts');
      await noMore.context.close();

      const expiring = await suite.harness.createCheck({ expires_in: 60 });
      const expired = await openPage(suite, expiring.url);
      suite.harness.t.clock.advance(61_000);
      await tap(expired.page, /Start/);
      await heading(expired.page, 'This link has expired');
      await record(expired.page, 'link-expired');
      await expired.context.close();
    });

    it('interruptions: paused, no connection, an unexpected error', async () => {
      const check = await suite.harness.createCheck();
      const paused = await openPage(suite, check.url);
      await tap(paused.page, /Start/);
      await tap(paused.page, /I’m ready/);
      await paused.page.waitForFunction(() => document.querySelector('.progress') !== null);
      await setTabHidden(paused.page, true);
      await heading(paused.page, 'Paused');
      await setTabHidden(paused.page, false);
      await record(paused.page, 'paused');
      await paused.context.close();

      const offline = await openPage(suite, check.url);
      await offline.page.route('**/start', (route) => route.abort('internetdisconnected'));
      await tap(offline.page, /Start/);
      await heading(offline.page, 'No connection');
      await record(offline.page, 'network');
      await offline.context.close();

      // A server answer the page does not expect (a proxy's error page, a future error code).
      const odd = await openPage(suite, check.url);
      await odd.page.route('**/start', (route) =>
        route.fulfill({ status: 400, contentType: 'application/json', body: JSON.stringify({ error: { code: 'something_new', message: 'x', request_id: 'req_x' } }) }),
      );
      await tap(odd.page, /Start/);
      await heading(odd.page, 'Something went wrong');
      await record(odd.page, 'failed');
      await odd.context.close();
    });

    it('a tenant’s branding: its name, logo and accent (made readable) on the intro and the preview', async () => {
      // A logo as a tenant would upload it: a wide mark in its own colours, with transparency.
      const logo = await sharp(
        Buffer.from(
          '<svg xmlns="http://www.w3.org/2000/svg" width="360" height="96"><circle cx="48" cy="48" r="40" fill="#0f7b6c"/><path d="M30 50l12 12 24-28" stroke="#fff" stroke-width="9" fill="none" stroke-linecap="round"/><rect x="104" y="30" width="232" height="14" rx="7" fill="#0f7b6c"/><rect x="104" y="56" width="160" height="12" rx="6" fill="#7fb8ae"/></svg>',
        ),
      )
        .png()
        .toBuffer();
      const accent = '#12a58f';
      await suite.harness.setTenantSettings('lumen', { display_name: 'Lumen Bank', accent_color: accent, logo: `data:image/png;base64,${logo.toString('base64')}` });
      const check = await suite.harness.createCheck({}, 'lumen');
      const { page, context } = await openPage(suite, check.url);
      await heading(page, 'Show that it’s really you');
      await page.getByRole('banner').getByText('Lumen Bank').waitFor();
      expect(await page.locator('.brand__logo').evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth))).toBeGreaterThan(0);
      // A light teal is too faint for white text: the page shows the nearest readable shade.
      const palette = accentPalette(accent);
      const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
      const startColour = () => page.getByRole('button', { name: 'Start' }).evaluate((b) => getComputedStyle(b).backgroundColor);
      await page.emulateMedia({ colorScheme: 'light' });
      expect(await startColour()).toBe(rgb(palette.light.accent));
      expect(palette.light.accent).not.toBe(accent);
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await startColour()).toBe(rgb(palette.dark.accent));
      await record(page, 'branded-intro');
      await tap(page, /Start/);
      await heading(page, 'Get ready');
      await page.waitForFunction(() => (document.querySelector('video')?.videoWidth ?? 0) > 0);
      await record(page, 'branded-preview');
      await context.close();
    });

    it('started again elsewhere: the late frames are refused and the page says why', { timeout: FULL_RUN_MS }, async () => {
      const check = await suite.harness.createCheck();
      const { page, context } = await openPage(suite, check.url);
      await tap(page, /Start/);
      await tap(page, /I’m ready/);
      await page.waitForFunction(() => document.querySelector('.progress') !== null);
      // The same link opened on another device: attempt 2 begins while this page still sends attempt 1.
      const refusal = page.waitForResponse((r) => r.url().endsWith('/frames') && r.status() === 409, { timeout: 30_000 });
      expect((await suite.harness.capture(check.captureId, 'start')).status).toBe(200);
      const refused = await refusal;
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('attempt_superseded');
      await heading(page, 'Started again elsewhere');
      await page.getByRole('button', { name: 'Try again' }).waitFor();
      await record(page, 'superseded');
      await context.close();
    });

    it('recorded every state', () => {
      expect(recorded.sort()).toEqual(
        [
          'intro', 'camera-waiting', 'preview', 'capture-step', 'capture-reconnecting', 'capture-sending', 'done', 'capture-feedback', 'no-face',
          'camera-denied', 'no-camera', 'camera-busy', 'unsupported', 'link-unknown', 'link-finished', 'link-no-attempts', 'link-expired',
          'paused', 'network', 'failed', 'branded-intro', 'branded-preview', 'superseded',
        ].sort(),
      );
    });
  });
}
