// The hosted capture page in real Chromium against the real service and models: a still photo
// held to the (fake) camera, camera permission and device problems, dead links, "Try again",
// network loss, and that nothing leaves our origin or trips the CSP. Run by browser-suite.test.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { CAPTURE_PAGE_CSP } from '../../src/capture/page-routes.js';
import { portraitPath } from '../helpers/faces.js';
import { canvasCamera, cspViolations, screenshotDir, setTabHidden, watchCsp } from './browser.js';
import type { PageSuite } from './harness.js';

interface Receipt {
  seq: number;
  t: number;
  step: number;
  feedback: string;
}

interface StartAnswer {
  challenge: { steps: string[] };
  attempt: number;
  attempts_left: number;
}

interface Recording {
  page: Page;
  /** Every URL the page requested, in order. */
  requests: string[];
  starts: StartAnswer[];
  receipts: Receipt[];
  errors: string[];
}

const APP = 'https://app.example';

/** A whole capture, including a server that analyses slower than frames arrive on 2 shared cores. */
const FULL_RUN_MS = 150_000;

async function open(context: BrowserContext, url: string): Promise<Recording> {
  await watchCsp(context);
  const page = await context.newPage();
  const recording: Recording = { page, requests: [], starts: [], receipts: [], errors: [] };
  page.on('request', (request) => recording.requests.push(request.url()));
  page.on('pageerror', (error) => recording.errors.push(error.message));
  page.on('response', async (response) => {
    const path = new URL(response.url()).pathname;
    if (path.endsWith('/start') && response.status() === 200) recording.starts.push((await response.json()) as StartAnswer);
    if (path.endsWith('/frames') && response.status() === 202) recording.receipts.push(...((await response.json()) as { frames: Receipt[] }).frames);
  });
  // The tenant's app the page sends people back to; answered here, so nothing goes out.
  await page.route(`${APP}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/plain', body: 'back at the app' }));
  await page.goto(url);
  return recording;
}

const heading = (page: Page, name: string | RegExp) => page.getByRole('heading', { level: 1, name }).waitFor({ timeout: 30_000 });
const tap = (page: Page, name: string | RegExp) => page.getByRole('button', { name }).click();

async function startAndGetReady(page: Page): Promise<void> {
  await tap(page, /Start/);
  await page.getByRole('button', { name: /I’m ready/ }).waitFor({ timeout: 30_000 });
}

/** `maxGapMs`: no frame went missing on the way, one every interval_ms (200) give or take timer jitter. */
function expectOrderedSession(receipts: Receipt[], steps: number, maxGapMs = 450): void {
  const ts = receipts.map((r) => r.t);
  for (let i = 1; i < ts.length; i++) expect(ts[i], `frame ${i} after ${ts[i - 1]}`).toBeGreaterThanOrEqual(ts[i - 1] ?? 0);
  const stepsSeen = receipts.map((r) => r.step);
  for (let i = 1; i < stepsSeen.length; i++) expect(stepsSeen[i]).toBeGreaterThanOrEqual(stepsSeen[i - 1] ?? -1);
  expect(new Set(stepsSeen)).toEqual(new Set([-1, ...Array.from({ length: steps }, (_, i) => i)]));
  const unique = [...new Set(ts)];
  for (let i = 1; i < unique.length; i++) expect((unique[i] ?? 0) - (unique[i - 1] ?? 0)).toBeLessThan(maxGapMs);
}

interface SentFrames {
  attempt: number | undefined;
  frames: Array<{ t: number; width: number; height: number }>;
}

/** What the page uploads, request by request: the attempt it names and each frame's t and size. */
function watchUploads(page: Page): SentFrames[] {
  const sent: SentFrames[] = [];
  page.on('request', (request) => {
    if (!request.url().endsWith('/frames')) return;
    const body = request.postDataJSON() as { attempt?: number; frames: Array<{ t: number; image: string }> };
    // JPEG's SOF0/SOF2 header holds the size; reading it here keeps the order the page sent.
    const frames = body.frames.map((f) => ({ t: f.t, ...jpegSize(Buffer.from(f.image.slice(f.image.indexOf(',') + 1), 'base64')) }));
    sent.push({ attempt: body.attempt, frames });
  });
  return sent;
}

function jpegSize(jpeg: Buffer): { width: number; height: number } {
  for (let i = 2; i + 9 < jpeg.length; ) {
    if (jpeg[i] !== 0xff) break;
    const marker = jpeg[i + 1] ?? 0;
    const length = jpeg.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xc3) return { height: jpeg.readUInt16BE(i + 5), width: jpeg.readUInt16BE(i + 7) };
    i += 2 + length;
  }
  throw new Error('no JPEG frame header');
}

/** The portrait as a camera would see it, as a data URL for the canvas camera. */
async function portraitDataUrl(): Promise<string> {
  const jpeg = await sharp(readFileSync(portraitPath())).rotate().jpeg({ quality: 90 }).toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

export function captureFlowTests(suite: PageSuite): void {
  describe('capture page in Chromium', () => {
    it('a still photo held to the camera: frames arrive in order, the check finishes, the redirect carries lc_token, the result is passed:false', { timeout: FULL_RUN_MS }, async () => {
      const check = await suite.harness.createCheck({ redirect_url: `${APP}/done?order=42` });
      const context = await suite.browser.context();
      const run = await open(context, check.url);
      const { page } = run;

      await heading(page, 'Show that it’s really you');
      await startAndGetReady(page);
      await tap(page, /I’m ready/);
      await page.getByRole('heading', { name: /Turn your head|Tilt your head/ }).waitFor({ timeout: 90_000 });
      await page.waitForURL(`${APP}/**`, { timeout: 120_000 });

      const back = new URL(page.url());
      expect(back.pathname).toBe('/done');
      expect(back.searchParams.get('order')).toBe('42');
      expect(back.searchParams.get('lc_token')).toBe(check.token);

      expect(run.starts).toHaveLength(1);
      expect(run.receipts.length).toBeGreaterThanOrEqual(40);
      expectOrderedSession(run.receipts, run.starts[0]?.challenge.steps.length ?? 0);
      expect(run.receipts.filter((r) => r.feedback === 'ok').length).toBeGreaterThan(run.receipts.length / 2);

      // Nothing but our own origin, and then the tenant's redirect (answered by the test).
      const beforeRedirect = run.requests.slice(0, run.requests.findIndex((u) => u.startsWith(APP)));
      expect(beforeRedirect.length).toBeGreaterThan(run.receipts.length / 10);
      for (const url of beforeRedirect) expect(new URL(url).origin).toBe(suite.harness.origin);
      expect(run.requests.filter((u) => !u.startsWith(suite.harness.origin))).toEqual([back.href]);

      const { status, body } = await suite.harness.result(check.token);
      expect(status).toBe(200);
      expect(body.result?.passed).toBe(false);
      expect(run.errors).toEqual([]);
      await context.close();
    });

    it('serves the page under its strict CSP and the page works without a single violation', { timeout: FULL_RUN_MS }, async () => {
      const check = await suite.harness.createCheck();
      const context = await suite.browser.context();
      await watchCsp(context);
      const page = await context.newPage();
      const response = await page.goto(check.url);
      const headers = response?.headers() ?? {};
      expect(headers['content-security-policy']).toBe(CAPTURE_PAGE_CSP);
      expect(CAPTURE_PAGE_CSP).toContain("script-src 'self'; connect-src 'self'");
      expect(headers['referrer-policy']).toBe('no-referrer');
      expect(headers['permissions-policy']).toContain('camera=(self)');
      await startAndGetReady(page);
      await tap(page, /I’m ready/);
      await page.getByRole('heading', { name: /Turn your head|Tilt your head/ }).waitFor({ timeout: 90_000 });
      expect(await cspViolations(page)).toEqual([]);
      await context.close();
    });

    it('camera permission denied: says how to allow it in this browser, and retrying does not use up an attempt', async () => {
      const check = await suite.harness.createCheck();
      const context = await suite.browser.context({ camera: false });
      const run = await open(context, check.url);
      await tap(run.page, /Start/);
      await heading(run.page, 'Camera access is blocked');
      // Headless Chromium on Linux: the desktop Chrome instructions.
      await run.page.getByText('click the camera icon at the right of the address bar').waitFor();

      await context.grantPermissions(['camera']);
      await tap(run.page, 'Try the camera again');
      await run.page.getByRole('button', { name: /I’m ready/ }).waitFor({ timeout: 30_000 });
      expect(run.starts.map((s) => s.attempt)).toEqual([1]);
      await context.close();
    });

    it('no camera, and a camera another app holds, each get their own words', async () => {
      const check = await suite.harness.createCheck();
      for (const [failWith, title] of [
        ['NotFoundError', 'No camera found'],
        ['NotReadableError', 'The camera is busy'],
      ] as const) {
        const context = await suite.browser.context();
        await canvasCamera(context, { failWith });
        const run = await open(context, check.url);
        await tap(run.page, /Start/);
        await heading(run.page, title);
        await run.page.getByRole('button', { name: 'Try the camera again' }).waitFor();
        await context.close();
      }
    });

    it('never picks an infrared camera on its own, but lets the person choose any camera', async () => {
      const check = await suite.harness.createCheck();
      const context = await suite.browser.context();
      await canvasCamera(context, {
        devices: [
          { deviceId: 'ir', label: 'Integrated IR Camera' },
          { deviceId: 'front', label: 'Integrated Camera' },
          { deviceId: 'obs', label: 'OBS Virtual Camera' },
        ],
      });
      const run = await open(context, check.url);
      await startAndGetReady(run.page);
      const picker = run.page.getByLabel('Camera');
      expect(await picker.inputValue()).toBe('front');
      const asked = async () => run.page.evaluate(() => window.testCamera?.requests.map((r) => JSON.parse(r) as { video: { deviceId?: { exact: string }; facingMode?: string } }) ?? []);
      const first = await asked();
      expect(first[0]?.video.facingMode).toBe('user');
      expect(first.at(-1)?.video.deviceId?.exact).toBe('front');

      await picker.selectOption('ir');
      await run.page.waitForFunction(() => window.testCamera?.requests.at(-1)?.includes('"exact":"ir"'));
      expect(await picker.inputValue()).toBe('ir');
      await context.close();
    });

    it('an unknown link, an expired link, a finished link and a link out of attempts each say so', async () => {
      const context = await suite.browser.context();
      const unknown = await open(context, `${suite.harness.origin}/c/cap_${'x'.repeat(40)}`);
      await tap(unknown.page, /Start/);
      await heading(unknown.page, 'This link doesn’t work');

      const finished = await suite.harness.createCheck();
      expect((await suite.harness.capture(finished.captureId, 'start')).status).toBe(200);
      expect((await suite.harness.capture(finished.captureId, 'finish')).status).toBe(202);
      const afterFinish = await open(context, finished.url);
      await tap(afterFinish.page, /Start/);
      await heading(afterFinish.page, 'This check is already done');

      const spent = await suite.harness.createCheck();
      for (let i = 0; i < 3; i++) expect((await suite.harness.capture(spent.captureId, 'start')).status).toBe(200);
      const noMore = await open(context, spent.url);
      await tap(noMore.page, /Start/);
      await heading(noMore.page, 'No more tries on this link');

      const expiring = await suite.harness.createCheck({ expires_in: 60 });
      const opened = await open(context, expiring.url);
      suite.harness.t.clock.advance(61_000);
      await tap(opened.page, /Start/);
      await heading(opened.page, 'This link has expired');
      for (const page of [unknown.page, afterFinish.page, noMore.page, opened.page]) {
        expect(await page.getByRole('button').count()).toBe(0);
      }
      await context.close();
    });

    it('leaving the tab mid-capture pauses; "Try again" starts a new attempt within the same link', { timeout: FULL_RUN_MS }, async () => {
      const check = await suite.harness.createCheck();
      const context = await suite.browser.context();
      const run = await open(context, check.url);
      await startAndGetReady(run.page);
      await tap(run.page, /I’m ready/);
      await run.page.waitForFunction(() => document.querySelector('.progress') !== null);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await setTabHidden(run.page, true);
      await heading(run.page, 'Paused');
      await run.page.getByText('You can try 2 more times.').waitFor();
      await setTabHidden(run.page, false);

      await tap(run.page, 'Try again');
      await run.page.getByRole('button', { name: /I’m ready/ }).waitFor({ timeout: 30_000 });
      // The response listener reads the body asynchronously, so the second answer may land just after the button.
      await expect.poll(() => run.starts.map((s) => [s.attempt, s.attempts_left]), { timeout: 5_000 }).toEqual([
        [1, 2],
        [2, 1],
      ]);
      await tap(run.page, /I’m ready/);
      // The new attempt's frames start again at t=0 with the opening phase.
      await expect.poll(() => run.receipts.findIndex((r, i) => i > 0 && r.t < (run.receipts[i - 1]?.t ?? 0)), { timeout: 30_000 }).toBeGreaterThan(0);
      const restart = run.receipts.findIndex((r, i) => i > 0 && r.t < (run.receipts[i - 1]?.t ?? 0));
      expect(run.receipts[restart]).toMatchObject({ step: -1 });
      expect(run.receipts[restart]?.t).toBeLessThan(1000);
      await context.close();
    });

    it('a network drop mid-capture: a notice while frames wait, then every frame arrives in order and the check finishes', { timeout: FULL_RUN_MS }, async () => {
      const check = await suite.harness.createCheck({ redirect_url: `${APP}/back` });
      const context = await suite.browser.context();
      const run = await open(context, check.url);
      await startAndGetReady(run.page);
      await tap(run.page, /I’m ready/);
      await run.page.waitForFunction(() => document.querySelector('.progress') !== null);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      await context.setOffline(true);
      const notice = run.page.getByRole('alert').filter({ hasText: 'Connection lost' });
      // The notice comes with the first request that fails, which waits behind the one in flight:
      // on a loaded machine the server may take a while to analyse that batch.
      await notice.waitFor({ timeout: 30_000 });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await context.setOffline(false);
      await notice.waitFor({ state: 'hidden', timeout: 15_000 });
      await run.page.waitForURL(`${APP}/**`, { timeout: 120_000 });
      expectOrderedSession(run.receipts, run.starts[0]?.challenge.steps.length ?? 0);
      expect(new URL(run.page.url()).searchParams.get('lc_token')).toBe(check.token);
      await context.close();
    });

    it('the server unreachable when starting: "No connection", and "Try again" goes on once it is back', async () => {
      const check = await suite.harness.createCheck();
      const context = await suite.browser.context();
      const run = await open(context, check.url);
      await run.page.route('**/start', (route) => route.abort('internetdisconnected'));
      await tap(run.page, /Start/);
      await heading(run.page, 'No connection');
      await run.page.unroute('**/start');
      await tap(run.page, 'Try again');
      await run.page.getByRole('button', { name: /I’m ready/ }).waitFor({ timeout: 30_000 });
      await context.close();
    });

    it('works from the keyboard alone', async () => {
      const check = await suite.harness.createCheck();
      const context = await suite.browser.context();
      const run = await open(context, check.url);
      await run.page.keyboard.press('Tab');
      expect(await run.page.evaluate(() => document.activeElement?.textContent)).toBe('Start');
      await run.page.keyboard.press('Enter');
      await heading(run.page, 'Get ready');
      // Focus went to the new screen's heading; the next Tab reaches its button.
      expect(await run.page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
      await run.page.keyboard.press('Tab');
      await run.page.keyboard.press('Enter');
      await heading(run.page, 'Look straight at the camera');
      await context.close();
    });

    it('a phone turned to landscape mid-capture: the page keeps going, frames of both shapes arrive in order, the check finishes', { timeout: FULL_RUN_MS }, async () => {
      const check = await suite.harness.createCheck({ redirect_url: `${APP}/turned` });
      // A phone (so the screen really turns) whose camera turns with it: 480×640 frames, then 640×480.
      const context = await suite.browser.context({ isMobile: true, hasTouch: true, viewport: { width: 390, height: 844 } });
      await canvasCamera(context);
      await context.addInitScript(() => {
        screen.orientation.addEventListener('change', () => document.documentElement.setAttribute('data-test-turned', screen.orientation.type));
      });
      const run = await open(context, check.url);
      const sent = watchUploads(run.page);
      await run.page.evaluate(async ([photo]) => {
        window.testCamera?.resize(480, 640);
        await window.testCamera?.show(photo ?? '');
      }, [await portraitDataUrl()]);
      await startAndGetReady(run.page);
      await tap(run.page, /I’m ready/);
      // Turned while the moves are asked for: the hardest moment to lose a frame or the prompt.
      await run.page.getByRole('heading', { name: /Turn your head|Tilt your head/ }).waitFor({ timeout: 60_000 });
      await run.page.setViewportSize({ width: 844, height: 390 });
      await run.page.evaluate(() => window.testCamera?.resize(640, 480));
      expect(await run.page.evaluate(() => document.documentElement.getAttribute('data-test-turned'))).toBe('landscape-primary');
      // The whole preview and the prompt still fit on the short screen, side by side.
      const stage = await run.page.locator('.stage').boundingBox();
      const prompt = await run.page.getByRole('heading', { level: 1 }).boundingBox();
      expect(stage?.height ?? 0).toBeGreaterThan(150);
      expect((stage?.y ?? 0) + (stage?.height ?? 0)).toBeLessThanOrEqual(390);
      expect((prompt?.x ?? 0) + (prompt?.width ?? 0)).toBeLessThanOrEqual(stage?.x ?? 0);
      await run.page.screenshot({ path: join(screenshotDir(), 'capture-landscape-844x390-light.png'), animations: 'disabled' });
      await run.page.waitForURL(`${APP}/**`, { timeout: 120_000 });
      expect(new URL(run.page.url()).searchParams.get('lc_token')).toBe(check.token);

      expectOrderedSession(run.receipts, run.starts[0]?.challenge.steps.length ?? 0);
      const frames = sent.flatMap((s) => s.frames);
      expect(sent.every((s) => s.attempt === 1)).toBe(true);
      const shapes = frames.map((f) => (f.width < f.height ? 'portrait' : 'landscape'));
      const turnedAt = shapes.indexOf('landscape');
      expect(turnedAt, 'frames after the turn are landscape').toBeGreaterThan(5);
      expect(shapes.slice(turnedAt).every((s) => s === 'landscape')).toBe(true);
      expect(frames[0]).toMatchObject({ width: 480, height: 640 });
      expect(frames.at(-1)).toMatchObject({ width: 640, height: 480 });
      expect(frames.length - turnedAt).toBeGreaterThan(5);
      expect(run.errors).toEqual([]);
      await context.close();
    });

    it('a slow phone on a high-latency link (CPU 4× slower, 400 ms round trips, 4 Mbit/s up): the page still completes the session, in order', { timeout: FULL_RUN_MS }, async () => {
      const check = await suite.harness.createCheck({ redirect_url: `${APP}/slow` });
      const context = await suite.browser.context();
      const run = await open(context, check.url);
      const cdp = await context.newCDPSession(run.page);
      /**
       * The quickest of three runs of the same busy loop, so that a loaded machine does not fool the
       * comparison. Long enough (~80 ms unthrottled) to span several of the throttler's time slices:
       * a loop of a few ms could fall between them and look unthrottled.
       */
      const busyMs = async () => {
        const runs: number[] = [];
        for (let i = 0; i < 3; i++) {
          runs.push(
            await run.page.evaluate(() => {
              const from = performance.now();
              let x = 0;
              for (let j = 0; j < 10_000_000; j++) x = (x + j * 7) % 1_000_003;
              return performance.now() - from + (x < 0 ? 1 : 0);
            }),
          );
        }
        return Math.min(...runs);
      };
      const before = await busyMs();
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: 4 });
      // A congested mobile link: every request waits, and a frame batch takes a while to go up.
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 400, downloadThroughput: 1024 * 1024, uploadThroughput: 512 * 1024 });
      // The emulation is really on: the same work takes clearly longer.
      expect(await busyMs()).toBeGreaterThan(before * 2);
      const roundTrips: number[] = [];
      run.page.on('requestfinished', (request) => {
        if (request.url().endsWith('/frames')) roundTrips.push(request.timing().responseEnd);
      });

      await startAndGetReady(run.page);
      await tap(run.page, /I’m ready/);
      await run.page.waitForURL(`${APP}/**`, { timeout: 120_000 });
      expect(new URL(run.page.url()).searchParams.get('lc_token')).toBe(check.token);
      expect(Math.min(...roundTrips)).toBeGreaterThanOrEqual(400);
      // A slow device skips a frame rather than sending a burst: order holds, gaps may be wider.
      expectOrderedSession(run.receipts, run.starts[0]?.challenge.steps.length ?? 0, 1500);
      expect(run.receipts.length).toBeGreaterThanOrEqual(25);
      expect(run.errors).toEqual([]);
      await context.close();
    });

    it('speaks German to a German browser', async () => {
      const check = await suite.harness.createCheck();
      const context = await suite.browser.context({ locale: 'de-DE' });
      const run = await open(context, check.url);
      expect(await run.page.getAttribute('html', 'lang')).toBe('de');
      await heading(run.page, 'Zeigen Sie, dass Sie es wirklich sind');
      await run.page.getByRole('button', { name: 'Start' }).waitFor();
      await context.close();
    });
  });
}
