// The capture page's decisions that need no browser: upload order and retries, step timing,
// feedback words, camera choice, permission hints and the language negotiation.
import { describe, expect, it } from 'vitest';
import { permissionHintKey } from '../../src/capture/page/browser-hints.js';
import { betterCamera, classifyCameraError, isAvoidedCamera } from '../../src/capture/page/camera.js';
import { Choreography } from '../../src/capture/page/choreography.js';
import { FeedbackTracker } from '../../src/capture/page/feedback.js';
import { FrameUploader } from '../../src/capture/page/frame-uploader.js';
import { CATALOGUE, negotiateLocale } from '../../src/capture/page/i18n/catalogue.js';
import { CaptureApiError, type FrameReceipt, type FrameUpload, NetworkError } from '../../src/capture/page/protocol-client.js';

const frame = (t: number): FrameUpload => ({ t, step: -1, image: `data:image/jpeg;base64,${t}` });
const receipt = (f: FrameUpload, seq: number, feedback: FrameReceipt['feedback'] = 'ok'): FrameReceipt => ({ seq, t: f.t, step: f.step, feedback });

function recordingUploader(answer: (frames: FrameUpload[], call: number) => Promise<void>, options = {}) {
  const sent: number[][] = [];
  const delivered: number[] = [];
  const events: string[] = [];
  let calls = 0;
  let clock = 0;
  const uploader = new FrameUploader(
    async (frames) => {
      sent.push(frames.map((f) => f.t));
      await answer(frames, calls++);
      delivered.push(...frames.map((f) => f.t));
      return frames.map((f, i) => receipt(f, delivered.length - frames.length + i));
    },
    {
      receipts: () => events.push('receipts'),
      retrying: (on) => events.push(on ? 'retrying' : 'recovered'),
      failed: (error) => events.push(`failed:${error instanceof Error ? error.name : 'unknown'}`),
    },
    { sleep: async (ms) => void (clock += ms), now: () => clock, ...options },
  );
  return { uploader, sent, delivered, events, elapsed: () => clock };
}

describe('frame uploader', () => {
  it('sends small batches in order, one request at a time, and the rest on flush', async () => {
    let inFlight = 0;
    let most = 0;
    const { uploader, sent } = recordingUploader(async () => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight--;
    });
    for (let t = 0; t < 2000; t += 200) uploader.add(frame(t));
    await uploader.flush();
    expect(most).toBe(1);
    expect(sent.flat()).toEqual(Array.from({ length: 10 }, (_, i) => i * 200));
    for (const batch of sent) expect(batch.length).toBeLessThanOrEqual(10);
    expect(sent[0]?.length).toBeGreaterThanOrEqual(3);
  });

  it('repeats a request that failed on the way with the same frames, without losing order', async () => {
    const { uploader, sent, delivered, events } = recordingUploader(async (_frames, call) => {
      if (call === 1 || call === 2) throw new NetworkError('offline');
    });
    for (let t = 0; t < 3000; t += 200) uploader.add(frame(t));
    await uploader.flush();
    expect(delivered).toEqual(Array.from({ length: 15 }, (_, i) => i * 200));
    expect(sent[1]).toEqual(sent[2]);
    expect(sent[2]).toEqual(sent[3]);
    expect(events).toContain('retrying');
    expect(events.indexOf('recovered')).toBeGreaterThan(events.indexOf('retrying'));
  });

  it('repeats 5xx and 429 answers but not 4xx ones', async () => {
    const flaky = recordingUploader(async (_f, call) => {
      if (call === 0) throw new CaptureApiError(503, 'unavailable', 'busy');
      if (call === 1) throw new CaptureApiError(429, 'rate_limited', 'slow down');
    });
    for (let t = 0; t < 600; t += 200) flaky.uploader.add(frame(t));
    await flaky.uploader.flush();
    expect(flaky.delivered).toEqual([0, 200, 400]);

    const expired = recordingUploader(async () => {
      throw new CaptureApiError(410, 'link_expired', 'gone');
    });
    for (let t = 0; t < 600; t += 200) expired.uploader.add(frame(t));
    await expect(expired.uploader.flush()).rejects.toMatchObject({ code: 'link_expired' });
    expect(expired.sent).toHaveLength(1);
    expect(expired.events).toEqual(['failed:CaptureApiError']);
  });

  it('gives up when the connection stays gone, and says so once', async () => {
    const { uploader, events, elapsed } = recordingUploader(async () => {
      throw new NetworkError('offline');
    }, { giveUpAfterMs: 10_000 });
    for (let t = 0; t < 600; t += 200) uploader.add(frame(t));
    await expect(uploader.flush()).rejects.toBeInstanceOf(NetworkError);
    expect(elapsed()).toBeGreaterThanOrEqual(10_000);
    expect(elapsed()).toBeLessThan(15_000);
    expect(events.filter((e) => e.startsWith('failed'))).toEqual(['failed:NetworkError']);
  });

  it('drops a batch the server could not decode and carries on', async () => {
    const { uploader, sent, events } = recordingUploader(async (_f, call) => {
      if (call === 0) throw new CaptureApiError(422, 'invalid_frame', 'frames[0]: not a JPEG');
    });
    for (let t = 0; t < 1600; t += 200) uploader.add(frame(t));
    await uploader.flush();
    expect(sent.flat()).toEqual(Array.from({ length: 8 }, (_, i) => i * 200));
    expect(events.some((e) => e.startsWith('failed'))).toBe(false);
  });

  it('after stop, sends nothing more and reports nothing', async () => {
    let release: () => void = () => undefined;
    const { uploader, sent, events } = recordingUploader(() => new Promise<void>((resolve) => (release = resolve)));
    for (let t = 0; t < 600; t += 200) uploader.add(frame(t));
    uploader.stop();
    release();
    uploader.add(frame(800));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(sent).toHaveLength(1);
    expect(events).toEqual([]);
  });
});

describe('choreography', () => {
  const steps = ['turn_left', 'look_up', 'turn_right', 'look_down'] as const;
  const face = (ready: boolean, unusable = 0) => ({ ready, unusable });

  it('holds the frontal phase at least 1.5 s and until a face was seen, then times each step', () => {
    const c = new Choreography(steps, 200);
    expect(c.at(0, face(true)).kind).toBe('frontal');
    expect(c.at(1400, face(true)).kind).toBe('frontal');
    expect(c.at(1600, face(false)).kind).toBe('frontal');
    expect(c.at(2000, face(true))).toEqual({ kind: 'turn', step: 0, move: 'turn_left' });
    expect(c.at(2000 + 1500, face(true))).toEqual({ kind: 'back', step: 0, move: 'turn_left' });
    // Once the moves began, feedback no longer holds them up: the server judges the poses.
    expect(c.at(2000 + 2200, face(false, 99))).toEqual({ kind: 'turn', step: 1, move: 'look_up' });
    expect(c.at(2000 + 4 * 2200 - 1, face(true)).step).toBe(3);
    expect(c.at(2000 + 4 * 2200, face(true)).kind).toBe('done');
  });

  it('gives up after 12 s worth of answered frames without a usable face, however slow the answers', () => {
    const c = new Choreography(steps, 200);
    expect(c.at(30_000, face(false, 59)).kind).toBe('frontal');
    expect(c.at(30_000, face(false, 60)).kind).toBe('no_face');
    expect(new Choreography(steps, 200).at(40_000, face(false, 3)).kind).toBe('no_face');
  });
});

describe('feedback words', () => {
  const f = (feedback: FrameReceipt['feedback'], seq: number): FrameReceipt => ({ seq, t: seq * 200, step: -1, feedback });

  it('shows a problem seen twice in a row, not a single odd frame', () => {
    const tracker = new FeedbackTracker();
    tracker.add([f('ok', 0), f('too_dark', 1)]);
    expect(tracker.hint({ kind: 'frontal', step: -1 })).toBeUndefined();
    tracker.add([f('too_dark', 2)]);
    expect(tracker.hint({ kind: 'frontal', step: -1 })).toBe('feedbackTooDark');
    expect(tracker.progress).toEqual({ ready: false, unusable: 2 });
    tracker.add([f('ok', 3), f('pending', 4)]);
    expect(tracker.progress).toEqual({ ready: true, unusable: 2 });
  });

  it('does not nag about centring while the head is turning, but does about light and other people', () => {
    const tracker = new FeedbackTracker();
    tracker.add([f('face_not_centered', 0), f('face_not_centered', 1)]);
    expect(tracker.hint({ kind: 'turn', step: 0, move: 'turn_left' })).toBeUndefined();
    expect(tracker.hint({ kind: 'frontal', step: -1 })).toBe('feedbackNotCentered');
    tracker.add([f('multiple_faces', 2), f('multiple_faces', 3)]);
    expect(tracker.hint({ kind: 'turn', step: 0, move: 'turn_left' })).toBe('feedbackMultipleFaces');
  });
});

describe('camera choice', () => {
  it('recognises infrared, depth and virtual cameras by label', () => {
    for (const label of ['Integrated IR Camera', 'Infrared Camera', 'Intel(R) RealSense(TM) Depth Camera', 'OBS Virtual Camera', 'Snap Camera']) {
      expect(isAvoidedCamera(label), label).toBe(true);
    }
    for (const label of ['Integrated Camera', 'FaceTime HD Camera', 'camera2 1, facing front', 'Logitech BRIO', '']) {
      expect(isAvoidedCamera(label), label).toBe(false);
    }
  });

  it('replaces an infrared camera the browser picked by an ordinary front camera', () => {
    const cams = [
      { deviceId: 'ir', label: 'Integrated IR Camera', avoid: true },
      { deviceId: 'usb', label: 'USB Camera', avoid: false },
      { deviceId: 'front', label: 'Integrated Camera', avoid: false },
    ];
    expect(betterCamera(cams, 'ir')?.deviceId).toBe('front');
    expect(betterCamera(cams, 'usb')).toBeUndefined();
    expect(betterCamera([cams[0]!], 'ir')).toBeUndefined();
  });

  it('sorts getUserMedia errors into what the person can do', () => {
    const named = (name: string) => Object.assign(new Error('x'), { name });
    expect(classifyCameraError(named('NotAllowedError'))).toBe('denied');
    expect(classifyCameraError(named('NotFoundError'))).toBe('no_camera');
    expect(classifyCameraError(named('NotReadableError'))).toBe('busy');
  });
});

describe('permission hints', () => {
  const hint = (ua: string, touch = 0) => permissionHintKey(ua, touch);
  it('fits the browser', () => {
    expect(hint('Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1')).toBe('hintSafariIos');
    expect(hint('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15', 5)).toBe('hintSafariIos');
    expect(hint('Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15')).toBe('hintSafariMac');
    expect(hint('Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36')).toBe('hintChromeAndroid');
    expect(hint('Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0 Mobile Safari/537.36')).toBe('hintSamsung');
    expect(hint('Mozilla/5.0 (Linux; Android 13; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0 Mobile Safari/537.36 Instagram 300.0')).toBe('hintInApp');
    expect(hint('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36 Edg/120.0')).toBe('hintEdge');
    expect(hint('Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0')).toBe('hintFirefox');
    expect(hint('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36')).toBe('hintChromeDesktop');
  });
});

describe('language', () => {
  it('follows Accept-Language with q-values and regional tags, English otherwise', () => {
    expect(negotiateLocale(undefined)).toBe('en');
    expect(negotiateLocale('de-AT,de;q=0.9,en;q=0.8')).toBe('de');
    expect(negotiateLocale('fr-FR, de;q=0.5, en;q=0.7')).toBe('en');
    expect(negotiateLocale('fr-FR, de;q=0.5')).toBe('de');
    expect(negotiateLocale('ja, *;q=0.1')).toBe('en');
    expect(negotiateLocale('de;q=0')).toBe('en');
  });

  it('every language fills every string with the same placeholders', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const [key, english] of Object.entries(CATALOGUE.en)) {
      for (const messages of Object.values(CATALOGUE)) {
        const text = messages[key as keyof typeof messages];
        expect(text.trim(), key).not.toBe('');
        expect(placeholders(text), key).toEqual(placeholders(english));
      }
    }
  });
});
