// Real Chromium for the capture page: Debian's /usr/bin/chromium driven by playwright-core. The
// camera is Chromium's fake device playing a y4m made from a still photo (one file per browser
// process), or a canvas the test draws on (canvasCamera), injected before the page's script runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Browser, type BrowserContext, type BrowserContextOptions, type Page, chromium } from 'playwright-core';
import { portraitPath } from '../helpers/faces.js';

export const CHROMIUM = process.env.LIVECHECK_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.resolve('artifacts/screenshots');

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // A fake camera device; whether the page may use it is decided per context by its permissions.
  '--use-fake-device-for-media-stream',
];

export interface TestBrowser {
  browser: Browser;
  /** A context whose camera is allowed (or denied, with `camera: false`). */
  context(options?: BrowserContextOptions & { camera?: boolean }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** A y4m video of the portrait: what a phone sees when someone holds a printed photo still. */
function stillPhotoVideo(dir: string): string {
  const file = path.join(dir, 'still-photo.y4m');
  try {
    execFileSync(
      'ffmpeg',
      ['-loglevel', 'error', '-y', '-loop', '1', '-i', portraitPath(), '-vf', 'scale=640:480:force_original_aspect_ratio=increase,crop=640:480,format=yuv420p', '-t', '1', '-r', '10', file],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    throw new Error(`making the fake camera video failed (is ffmpeg installed? "apt-get install ffmpeg"): ${String(error)}`);
  }
  return file;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the capture page is tested in a real browser, install it with "apt-get install chromium"`);
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'livecheck-chromium-'));
  const video = stillPhotoVideo(dir);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [...BASE_ARGS, `--use-file-for-fake-video-capture=${video}`],
  });
  return {
    browser,
    async context(options = {}) {
      const { camera = true, ...rest } = options;
      return browser.newContext({ viewport: { width: 390, height: 844 }, ...rest, permissions: camera ? ['camera'] : [] });
    },
    async close() {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface FakeDevice {
  deviceId: string;
  label: string;
}

export interface CanvasCameraOptions {
  /** Colour the canvas is filled with until the test shows an image. */
  fill?: string;
  /** What enumerateDevices reports; the first is what facingMode:'user' opens. */
  devices?: FakeDevice[];
  /** getUserMedia rejects with this DOMException name instead (NotFoundError, NotReadableError…). */
  failWith?: string;
  /** getUserMedia answers only after this many milliseconds. */
  delayMs?: number;
}

/** One frame of a generated session: what the camera shows at `t` ms into `step` (-1: opening). */
export interface PerformedFrame {
  step: number;
  t: number;
  src: string;
}

interface CanvasCameraState {
  requests: string[];
  show(dataUrl: string): Promise<void>;
  fill(colour: string): void;
  /** What a phone's camera does when the phone is turned: its frames change shape. */
  resize(width: number, height: number): void;
  /**
   * Acts out a generated session by following the page's prompts: whenever the page moves to
   * another step, the camera plays that step's frames, stretched to the page's `stepMs`.
   */
  perform(frames: PerformedFrame[], stepMs: number): Promise<void>;
}

declare global {
  interface Window {
    testCamera?: CanvasCameraState;
    cspViolations?: string[];
  }
}

/** Records every Content-Security-Policy violation the page reports, from its first byte. */
export async function watchCsp(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window.cspViolations ??= []).push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
}

export async function cspViolations(page: Page): Promise<string[]> {
  return page.evaluate(() => window.cspViolations ?? []);
}

/** What a browser does when the person switches apps or tabs: the page becomes hidden. */
export async function setTabHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((hide) => {
    if (hide) Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    else Reflect.deleteProperty(document, 'visibilityState');
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);
}

/**
 * Replaces navigator.mediaDevices with a camera whose picture is a canvas the test paints
 * (`window.testCamera.show(dataUrl)`), so a test decides exactly what the camera sees.
 */
export async function canvasCamera(target: BrowserContext | Page, options: CanvasCameraOptions = {}): Promise<void> {
  await target.addInitScript((opts: CanvasCameraOptions) => {
    const canvas = document.createElement('canvas');
    canvas.width = 640;
    canvas.height = 480;
    const context = canvas.getContext('2d');
    let picture: HTMLImageElement | undefined;
    let colour = opts.fill ?? '#6f7f8f';
    let tick = 0;
    const paint = () => {
      if (!context) return;
      context.fillStyle = colour;
      context.fillRect(0, 0, canvas.width, canvas.height);
      if (picture) {
        // Cover the frame as a camera would, whatever its shape: no stretched faces after a rotation.
        const scale = Math.max(canvas.width / picture.naturalWidth, canvas.height / picture.naturalHeight);
        const width = picture.naturalWidth * scale;
        const height = picture.naturalHeight * scale;
        context.drawImage(picture, (canvas.width - width) / 2, (canvas.height - height) / 2, width, height);
      }
      // One changing pixel keeps the stream producing frames even when the picture is still.
      tick = (tick + 1) % 2;
      context.fillStyle = tick ? '#000000' : '#010101';
      context.fillRect(0, 0, 1, 1);
    };
    paint();
    setInterval(paint, 20);
    const devices = opts.devices ?? [{ deviceId: 'canvas-camera', label: 'Canvas Camera' }];
    const state: CanvasCameraState = {
      requests: [],
      async show(dataUrl: string) {
        const image = new Image();
        image.src = dataUrl;
        await image.decode();
        picture = image;
        paint();
      },
      fill(next: string) {
        colour = next;
        picture = undefined;
        paint();
      },
      resize(width: number, height: number) {
        canvas.width = width;
        canvas.height = height;
        paint();
      },
      async perform(frames: PerformedFrame[], stepMs: number) {
        const loaded = await Promise.all(
          frames.map(async (frame) => {
            const image = new Image();
            image.src = frame.src;
            await image.decode();
            return { step: frame.step, t: frame.t, image };
          }),
        );
        const byStep = new Map<number, typeof loaded>();
        for (const frame of loaded) byStep.set(frame.step, [...(byStep.get(frame.step) ?? []), frame]);
        let following = Number.NaN;
        let since = 0;
        const follow = () => {
          const stage = document.querySelector<HTMLElement>('.stage');
          const step = stage && stage.dataset.phase !== 'preview' ? Number(stage.dataset.step ?? '-1') : -1;
          if (step !== following) {
            following = step;
            since = performance.now();
          }
          const list = byStep.get(step) ?? byStep.get(-1) ?? [];
          const first = list[0];
          const last = list[list.length - 1];
          if (!first || !last) return;
          const span = Math.max(1, last.t - first.t);
          const at = first.t + (performance.now() - since) * (step >= 0 ? span / stepMs : 1);
          let chosen = first;
          for (const frame of list) if (frame.t <= at) chosen = frame;
          picture = chosen.image;
        };
        follow();
        setInterval(follow, 20);
      },
    };
    window.testCamera = state;
    const media = navigator.mediaDevices;
    media.getUserMedia = async (constraints?: MediaStreamConstraints) => {
      state.requests.push(JSON.stringify(constraints ?? {}));
      if (opts.delayMs) await new Promise((resolve) => setTimeout(resolve, opts.delayMs));
      if (opts.failWith) throw new DOMException('refused by the test camera', opts.failWith);
      const video = constraints?.video;
      const wanted = typeof video === 'object' && video.deviceId && typeof video.deviceId === 'object' && 'exact' in video.deviceId ? String(video.deviceId.exact) : undefined;
      const device = devices.find((d) => d.deviceId === wanted) ?? devices[0];
      const stream = canvas.captureStream(15);
      for (const track of stream.getVideoTracks()) {
        const settings = track.getSettings.bind(track);
        track.getSettings = () => ({ ...settings(), deviceId: device?.deviceId ?? '' });
      }
      return stream;
    };
    media.enumerateDevices = async () =>
      devices.map((d) => ({ deviceId: d.deviceId, groupId: 'test', kind: 'videoinput' as const, label: d.label, toJSON: () => d }));
  }, options);
}

export function screenshotDir(): string {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  return SCREENSHOT_DIR;
}
