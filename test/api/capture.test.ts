// The capture protocol end to end, with the real models on frames cut from a real photo.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { FrameAnalyzer } from '../../src/engine/types.js';
import { sweepOnce } from '../../src/jobs/sweeper.js';
import { sendFrames } from '../helpers/capture.js';
import { cameraFrame, dataUri, portraitPath } from '../helpers/faces.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS, testStore } from '../helpers/stores.js';

interface Created {
  id: string;
  token: string;
  url: string;
}
interface Start {
  challenge: { steps: string[] };
  frame: { max_width: number; interval_ms: number };
  expires_at: string;
  attempt: number;
  attempts_left: number;
}
interface Done {
  id: string;
  status: string;
  result: {
    passed: boolean;
    confidence: number;
    threshold: number;
    checked_at: string;
    bounding_box?: { left: number; top: number; width: number; height: number };
    image?: string;
    audit_images?: Array<{ image: string; bounding_box: object; captured_at: string }>;
    failure_reason?: string;
  };
}

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
let stillFrames: Buffer[];
let blank: Buffer;
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 2 });
  await analyzer.ready();
  const photo = portraitPath();
  // A photo held in front of the camera: the same face, only shifted by a hand's tremor.
  stillFrames = await Promise.all(Array.from({ length: 24 }, (_, i) => cameraFrame(photo, (i * 7) % 13, (i * 5) % 11)));
  blank = await sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 90, g: 110, b: 120 } } }).jpeg().toBuffer();
});
afterAll(() => analyzer.close());

const captureIdOf = (url: string) => new URL(url).pathname.replace('/c/', '');

/** The JPEG grown to exactly `size` bytes with comment (COM) segments after SOI: still a valid, decodable JPEG. */
function paddedJpeg(jpeg: Buffer, size: number): Buffer {
  const segments: Buffer[] = [];
  let extra = size - jpeg.length;
  if (extra < 4) throw new Error(`cannot pad ${jpeg.length} bytes to ${size}`);
  while (extra > 0) {
    // A segment is 4 bytes of marker and length plus at most 65533 of comment; never leave 1–3 bytes over.
    let segment = Math.min(extra, 65_537);
    if (extra - segment > 0 && extra - segment < 4) segment -= 4;
    const comment = Buffer.alloc(segment, 0x20);
    comment.writeUInt16BE(0xfffe, 0);
    comment.writeUInt16BE(segment - 2, 2);
    segments.push(comment);
    extra -= segment;
  }
  return Buffer.concat([jpeg.subarray(0, 2), ...segments, jpeg.subarray(2)]);
}

interface ErrorBody {
  error: { code: string; message: string; request_id: string };
}

async function waitForResult(t: TestService, key: string, token: string, timeoutMs = 60_000): Promise<{ status: number; body: Done }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await t.request(`/liveness_check?token=${token}`, { key });
    if (res.status !== 202) return { status: res.status, body: (await res.json()) as Done };
    if (Date.now() > deadline) throw new Error('no result in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(STORE_KINDS)('capture protocol on %s', (kind) => {
  let t: TestService;
  let key: string;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer });
    key = await t.tenantKey('acme');
  });
  afterAll(() => t.stop());

  const create = async (json: object = {}) =>
    (await (await t.request('/liveness_check', { method: 'POST', key, json })).json()) as Created;
  const start = async (captureId: string) => t.request(`/v1/capture/${captureId}/start`, { method: 'POST' });

  describe('happy', () => {
    it('start draws a random challenge of at least 3 moves with no immediate repeat and marks the check in progress', async () => {
      const seen = new Set<string>();
      for (let i = 0; i < 6; i++) {
        const check = await create();
        const res = await start(captureIdOf(check.url));
        expect(res.status).toBe(200);
        const body = (await res.json()) as Start;
        expect(body.challenge.steps.length).toBeGreaterThanOrEqual(3);
        body.challenge.steps.forEach((s, j) => {
          expect(['turn_left', 'turn_right', 'look_up', 'look_down']).toContain(s);
          if (j > 0) expect(s).not.toBe(body.challenge.steps[j - 1]);
        });
        expect(body.frame.max_width).toBeGreaterThan(0);
        expect(body.frame.interval_ms).toBeGreaterThan(0);
        seen.add(body.challenge.steps.join(','));
        const poll = await t.request(`/liveness_check?token=${check.token}`, { key });
        expect(poll.status).toBe(202);
        expect(((await poll.json()) as { status: string }).status).toBe('in_progress');
      }
      expect(seen.size).toBeGreaterThan(1);
    });

    it('a still photo session: feedback per frame, a finished check, passed:false, box around the face, images as asked', async () => {
      const check = await create({ audit_images: 3, redirect_url: 'https://shop.example/done?order=7' });
      const captureId = captureIdOf(check.url);
      const started = (await (await start(captureId)).json()) as Start;

      const first = await t.request(`/v1/capture/${captureId}/frames`, {
        method: 'POST',
        json: { frames: [{ t: 0, step: -1, image: dataUri(stillFrames[0] as Buffer) }, { t: 200, step: -1, image: dataUri(blank) }] },
      });
      expect(first.status).toBe(202);
      const feedback = (await first.json()) as { accepted: number; frames: Array<{ feedback: string; bounding_box?: object }> };
      expect(feedback.accepted).toBe(2);
      expect(feedback.frames[0]?.bounding_box).toBeDefined();
      expect(feedback.frames[1]?.feedback).toBe('no_face');

      await sendFrames(t, captureId, started.challenge.steps.length, stillFrames.slice(1));
      const finish = await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' });
      expect(finish.status).toBe(202);
      const finished = (await finish.json()) as { status: string; redirect: string };
      const redirect = new URL(finished.redirect);
      expect(redirect.origin + redirect.pathname).toBe('https://shop.example/done');
      expect(redirect.searchParams.get('order')).toBe('7');
      expect(redirect.searchParams.get('lc_token')).toBe(check.token);
      // Finishing again (a retried request) answers the same.
      const again = (await (await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' })).json()) as { redirect: string };
      expect(again.redirect).toBe(finished.redirect);

      const { status, body } = await waitForResult(t, key, check.token);
      expect(status).toBe(200);
      expect(body.id).toBe(check.id);
      expect(body.status).toBe('complete');
      expect(body.result.passed).toBe(false);
      expect(body.result.confidence).toBeLessThan(body.result.threshold);
      expect(body.result.failure_reason).toBeTruthy();
      const box = body.result.bounding_box;
      expect(box).toBeDefined();
      // Grace Hopper's face sits in the middle of the portrait, across about half its width.
      const centre = (box?.left ?? 0) + (box?.width ?? 0) / 2;
      expect(centre).toBeGreaterThan(0.35);
      expect(centre).toBeLessThan(0.65);
      expect(box?.left).toBeGreaterThan(0.05);
      expect((box?.left ?? 0) + (box?.width ?? 0)).toBeLessThan(0.95);
      expect(box?.width).toBeGreaterThan(0.2);
      expect(box?.top).toBeGreaterThanOrEqual(0);
      expect(body.result.image).toMatch(/^data:image\/jpeg;base64,\/9j\//);
      expect(body.result.audit_images).toHaveLength(3);
      for (const audit of body.result.audit_images ?? []) {
        expect(audit.image).toMatch(/^data:image\/jpeg;base64,/);
        expect(Number.isNaN(Date.parse(audit.captured_at))).toBe(false);
      }

      // The capture link is spent.
      expect((await start(captureId)).status).toBe(409);
      const late = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: [{ t: 0, step: -1, image: dataUri(blank) }] } });
      expect(late.status).toBe(409);

      // Frames are gone from the store; probe and audit images remain, then audit images go.
      const frames = await t.service.store.db.selectFrom('capture_frames').select('seq').where('check_id', '=', check.id).execute();
      expect(frames).toHaveLength(0);
      t.clock.advance(31 * 60_000);
      const later = await waitForResult(t, key, check.token);
      expect(later.body.result.audit_images).toBeUndefined();
      expect(later.body.result.image).toBe(body.result.image);
      expect(later.body.result.confidence).toBe(body.result.confidence);
      await sweepOnce({ db: t.service.store.db, checks: t.service.checks, clock: t.clock });
      const images = await t.service.store.db.selectFrom('check_images').select(['kind']).where('check_id', '=', check.id).execute();
      expect(images.map((i) => i.kind)).toEqual(['probe']);
    });

    it('retain_image:false keeps no probe image', async () => {
      const check = await create({ retain_image: false });
      const captureId = captureIdOf(check.url);
      const started = (await (await start(captureId)).json()) as Start;
      await sendFrames(t, captureId, started.challenge.steps.length, stillFrames.slice(0, 8));
      await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' });
      const { body } = await waitForResult(t, key, check.token);
      expect(body.result.image).toBeUndefined();
      const images = await t.service.store.db.selectFrom('check_images').select('kind').where('check_id', '=', check.id).execute();
      expect(images).toHaveLength(0);
    });

    it('frames with no face at all end as failed with a reason', async () => {
      const check = await create();
      const captureId = captureIdOf(check.url);
      await start(captureId);
      const frames = Array.from({ length: 6 }, (_, i) => ({ t: i * 200, step: -1, image: dataUri(blank) }));
      expect((await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames } })).status).toBe(202);
      await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' });
      const { status, body } = await waitForResult(t, key, check.token);
      expect(status).toBe(200);
      expect(body.status).toBe('failed');
      expect(body.result.passed).toBe(false);
      expect(body.result.failure_reason).toBe('no_face');
    });

    it('"Try again" restarts with a new attempt, up to the limit', async () => {
      const check = await create();
      const captureId = captureIdOf(check.url);
      const attempts = [];
      for (let i = 0; i < 3; i++) attempts.push((await (await start(captureId)).json()) as Start);
      expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
      expect(attempts.map((a) => a.attempts_left)).toEqual([2, 1, 0]);
      const fourth = await start(captureId);
      expect(fourth.status).toBe(409);
      expect(((await fourth.json()) as { error: { code: string } }).error.code).toBe('too_many_attempts');
    });

    it('a capture started but abandoned past expiry is failed with capture_abandoned', async () => {
      const check = await create({ expires_in: 60 });
      const captureId = captureIdOf(check.url);
      await start(captureId);
      t.clock.advance(61_000);
      const { status, body } = await waitForResult(t, key, check.token);
      expect(status).toBe(200);
      expect(body.status).toBe('failed');
      expect(body.result.failure_reason).toBe('capture_abandoned');
      const frames = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: [{ t: 0, step: -1, image: dataUri(blank) }] } });
      expect(frames.status).toBe(410);
    });
  });

  describe('error', () => {
    it('frames before start are refused', async () => {
      const check = await create();
      const res = await t.request(`/v1/capture/${captureIdOf(check.url)}/frames`, { method: 'POST', json: { frames: [{ t: 0, step: -1, image: dataUri(blank) }] } });
      expect(res.status).toBe(409);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('capture_not_started');
    });

    it('a bad frame gets a clear 4xx and does not poison the session', async () => {
      const check = await create();
      const captureId = captureIdOf(check.url);
      await start(captureId);
      const png = await sharp({ create: { width: 100, height: 100, channels: 3, background: '#888' } }).png().toBuffer();
      const huge = await sharp({ create: { width: 4000, height: 200, channels: 3, background: '#888' } }).jpeg().toBuffer();
      const good = stillFrames[0] as Buffer;
      const cases: Array<[string, number, string]> = [
        ['data:image/png;base64,' + png.toString('base64'), 422, 'data URI'],
        [`data:image/jpeg;base64,${png.toString('base64')}`, 422, 'not a JPEG'],
        [dataUri(good.subarray(0, Math.floor(good.length / 2))), 422, 'truncated'],
        [dataUri(huge), 422, 'at most'],
        ['data:image/jpeg;base64,!!!!', 422, 'base64'],
      ];
      for (const [image, status, words] of cases) {
        const res = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: [{ t: 0, step: -1, image }] } });
        expect(res.status).toBe(status);
        const body = (await res.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('invalid_frame');
        expect(body.error.message).toContain(words);
      }
      for (const frames of [[], Array.from({ length: 11 }, () => ({ t: 0, step: -1, image: dataUri(blank) })), [{ t: 0, step: 9, image: dataUri(blank) }], [{ t: -1, step: -1, image: dataUri(blank) }]]) {
        const res = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames } });
        expect(res.status).toBe(400);
      }
      const ok = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: [{ t: 0, step: -1, image: dataUri(good) }] } });
      expect(ok.status).toBe(202);
      expect(((await ok.json()) as { frames: Array<{ seq: number }> }).frames[0]?.seq).toBe(0);
    });

    it('a late batch of an earlier attempt is refused with 409 attempt_superseded and not mixed into the new attempt', async () => {
      const check = await create();
      const captureId = captureIdOf(check.url);
      const send = (json: object) => t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json });
      const frame = (ms: number) => ({ t: ms, step: -1, image: dataUri(blank) });
      const first = (await (await start(captureId)).json()) as Start;
      expect((await send({ attempt: first.attempt, frames: [frame(0), frame(200)] })).status).toBe(202);

      // "Try again" (here, or on another device) while a batch of attempt 1 is still on its way.
      const second = (await (await start(captureId)).json()) as Start;
      expect(second.attempt).toBe(2);
      const late = await send({ attempt: 1, frames: [frame(400), frame(600)] });
      expect(late.status).toBe(409);
      const refusal = (await late.json()) as { error: { code: string; message: string } };
      expect(refusal.error.code).toBe('attempt_superseded');
      expect(refusal.error.message).toContain('attempt 2 has started');

      const ahead = await send({ attempt: 3, frames: [frame(0)] });
      expect(ahead.status).toBe(400);
      expect(((await ahead.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
      for (const attempt of [0, '2', 1.5]) expect((await send({ attempt, frames: [frame(0)] })).status).toBe(400);

      const current = await send({ attempt: 2, frames: [frame(0)] });
      expect(current.status).toBe(202);
      expect(((await current.json()) as { frames: Array<{ seq: number }> }).frames[0]?.seq).toBe(0);
      // Clients that do not send attempt are served by the current attempt, as before.
      expect((await send({ frames: [frame(200)] })).status).toBe(202);
      const stored = await t.service.store.db.selectFrom('capture_frames').select(['attempt', 'seq', 't']).where('check_id', '=', check.id).orderBy('seq').execute();
      expect(stored.map((f) => [f.attempt, f.seq, Number(f.t)])).toEqual([
        [2, 0, 0],
        [2, 1, 200],
      ]);
    });

    it('finish before start is refused', async () => {
      const check = await create();
      const res = await t.request(`/v1/capture/${captureIdOf(check.url)}/finish`, { method: 'POST' });
      expect(res.status).toBe(409);
    });

    it('a frame over the 1.5 MB limit gets 422 invalid_frame; nothing of it is stored and the session goes on', async () => {
      const check = await create();
      const captureId = captureIdOf(check.url);
      await start(captureId);
      const send = (jpeg: Buffer) => t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: [{ t: 0, step: -1, image: dataUri(blank) }, { t: 200, step: -1, image: dataUri(jpeg) }] } });
      // One byte over: within the pixel limits and decodable, refused on its size alone.
      const over = await send(paddedJpeg(blank, 1_500_001));
      expect(over.status).toBe(422);
      const refusal = (await over.json()) as ErrorBody;
      expect(refusal.error.code).toBe('invalid_frame');
      expect(refusal.error.message).toBe('frames[1]: image is larger than 1500000 bytes');
      expect(refusal.error.request_id).toBeTruthy();
      const stored = await t.service.store.db.selectFrom('capture_frames').select('seq').where('check_id', '=', check.id).execute();
      expect(stored).toHaveLength(0);
      // Exactly at the limit is accepted, numbered from the start as if the refused request never was.
      const atLimit = await send(paddedJpeg(blank, 1_500_000));
      expect(atLimit.status).toBe(202);
      expect(((await atLimit.json()) as { frames: Array<{ seq: number }> }).frames.map((f) => f.seq)).toEqual([0, 1]);
      expect((await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' })).status).toBe(202);
    });

    it('finish on an expired link is 410 link_expired, whether or not the capture had started', async () => {
      const unused = await create({ expires_in: 60 });
      const started = await create({ expires_in: 60 });
      await start(captureIdOf(started.url));
      expect((await t.request(`/v1/capture/${captureIdOf(started.url)}/frames`, { method: 'POST', json: { frames: [{ t: 0, step: -1, image: dataUri(blank) }] } })).status).toBe(202);
      t.clock.advance(60_000);
      for (const check of [unused, started]) {
        const res = await t.request(`/v1/capture/${captureIdOf(check.url)}/finish`, { method: 'POST' });
        expect(res.status).toBe(410);
        const body = (await res.json()) as ErrorBody;
        expect(body.error).toMatchObject({ code: 'link_expired', message: 'this link has expired; ask for a new one' });
        expect(body.error.request_id).toBeTruthy();
        // A retried finish answers the same, and no capture was finished for analysis.
        expect((await t.request(`/v1/capture/${captureIdOf(check.url)}/finish`, { method: 'POST' })).status).toBe(410);
      }
      const finishes = await t.service.store.db.selectFrom('audit_log').select('id').where('action', '=', 'check.finish').where('subject', 'in', [unused.id, started.id]).execute();
      expect(finishes).toHaveLength(0);
      expect((await t.request(`/liveness_check?token=${unused.token}`, { key })).status).toBe(410);
      const abandoned = await waitForResult(t, key, started.token);
      expect(abandoned.body.result.failure_reason).toBe('capture_abandoned');
    });
  });

  describe('security', () => {
    it('unknown and malformed capture ids are 404 on start, frames and finish, and a token is not a capture id', async () => {
      const check = await create();
      const unknown = 'cap_' + 'x'.repeat(40);
      const malformed = ['nope', 'cap_' + 'x'.repeat(39), 'CAP_' + 'x'.repeat(40), 'cap_' + 'x'.repeat(39) + '-', check.token, check.id];
      const frames = { frames: [{ t: 0, step: -1, image: dataUri(blank) }] };
      for (const id of [unknown, ...malformed]) {
        for (const [route, json] of [['start', undefined], ['frames', frames], ['finish', undefined]] as const) {
          const res = await t.request(`/v1/capture/${encodeURIComponent(id)}/${route}`, { method: 'POST', ...(json ? { json } : {}) });
          expect(res.status, `${route} ${id}`).toBe(404);
          const body = (await res.json()) as ErrorBody;
          expect(body.error).toMatchObject({ code: 'not_found', message: 'this capture link does not exist' });
          expect(body.error.request_id).toMatch(/\S/);
          expect(body.error.request_id).toBe(res.headers.get('x-request-id'));
        }
      }
      // Nothing happened to the real check.
      const poll = await t.request(`/liveness_check?token=${check.token}`, { key });
      expect(((await poll.json()) as { status: string }).status).toBe('pending');
    });
  });
});

describe.each(STORE_KINDS)('frames per attempt on %s', (kind) => {
  let t: TestService;
  let key: string;
  // A small budget keeps the test fast; the default is 300 (docs/capture-protocol.md).
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer, capture: { maxFramesPerAttempt: 6 } });
    key = await t.tenantKey('acme');
  });
  afterAll(() => t.stop());

  const frame = (n: number) => ({ t: n * 200, step: -1, image: dataUri(stillFrames[n % stillFrames.length] as Buffer) });
  const send = (captureId: string, from: number, count: number) =>
    t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: Array.from({ length: count }, (_, i) => frame(from + i)) } });
  const storedSeqs = async (checkId: string) =>
    (await t.service.store.db.selectFrom('capture_frames').select('seq').where('check_id', '=', checkId).orderBy('seq').execute()).map((f) => f.seq);

  it('a batch past the limit gets 422 too_many_frames, is not stored, and the capture still finishes with what was accepted', async () => {
    const check = (await (await t.request('/liveness_check', { method: 'POST', key, json: {} })).json()) as Created;
    const captureId = captureIdOf(check.url);
    expect((await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' })).status).toBe(200);
    expect((await send(captureId, 0, 4)).status).toBe(202);

    const over = await send(captureId, 4, 3);
    expect(over.status).toBe(422);
    const refusal = (await over.json()) as ErrorBody;
    expect(refusal.error).toMatchObject({ code: 'too_many_frames', message: 'a capture attempt takes at most 6 frames' });
    expect(refusal.error.request_id).toBeTruthy();
    expect(await storedSeqs(check.id)).toEqual([0, 1, 2, 3]);

    // What still fits is accepted, then nothing more.
    const rest = await send(captureId, 4, 2);
    expect(rest.status).toBe(202);
    expect(((await rest.json()) as { frames: Array<{ seq: number }> }).frames.map((f) => f.seq)).toEqual([4, 5]);
    expect(((await (await send(captureId, 6, 1)).json()) as ErrorBody).error.code).toBe('too_many_frames');
    expect(await storedSeqs(check.id)).toEqual([0, 1, 2, 3, 4, 5]);

    const finish = await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' });
    expect(finish.status).toBe(202);
    const { status, body } = await waitForResult(t, key, check.token);
    expect(status).toBe(200);
    expect(body.status).toBe('complete');
    expect(body.result.bounding_box).toBeDefined();
  });

  interface Receipt {
    seq: number;
    t: number;
    feedback: string;
    duplicate?: true;
  }
  const receipts = async (res: Response) => ((await res.json()) as { frames: Receipt[] }).frames;

  it('a retried batch is stored once: the same seqs and feedback, marked duplicate, and none of the budget spent', async () => {
    const check = (await (await t.request('/liveness_check', { method: 'POST', key, json: {} })).json()) as Created;
    const captureId = captureIdOf(check.url);
    await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' });
    const first = await send(captureId, 0, 3);
    expect(first.status).toBe(202);
    const original = await receipts(first);
    expect(original.map((r) => [r.seq, r.duplicate])).toEqual([[0, undefined], [1, undefined], [2, undefined]]);

    // The client never saw that answer and sends the same request again.
    const again = await send(captureId, 0, 3);
    expect(again.status).toBe(202);
    const retried = await receipts(again);
    expect(retried.map((r) => [r.seq, r.t, r.feedback, r.duplicate])).toEqual(original.map((r) => [r.seq, r.t, r.feedback, true]));
    expect(await storedSeqs(check.id)).toEqual([0, 1, 2]);

    // A batch that overlaps the last one stores only its new frames; a repeat inside a batch is one frame.
    const overlap = await receipts(await send(captureId, 2, 3));
    expect(overlap.map((r) => [r.seq, r.duplicate])).toEqual([[2, true], [3, undefined], [4, undefined]]);
    const repeat = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: [frame(5), frame(5)] } });
    expect((await receipts(repeat)).map((r) => [r.seq, r.duplicate])).toEqual([[5, undefined], [5, true]]);
    expect(await storedSeqs(check.id)).toEqual([0, 1, 2, 3, 4, 5]);

    // The budget of 6 is spent by six frames, not by the retries; a retry still gets its answer after.
    expect(((await (await send(captureId, 6, 1)).json()) as ErrorBody).error.code).toBe('too_many_frames');
    expect((await send(captureId, 4, 2)).status).toBe(202);
    expect((await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' })).status).toBe(202);
    const { status, body } = await waitForResult(t, key, check.token);
    expect(status).toBe(200);
    expect(body.status).toBe('complete');
  });

  it('two copies of one batch arriving together store it once', async () => {
    const check = (await (await t.request('/liveness_check', { method: 'POST', key, json: {} })).json()) as Created;
    const captureId = captureIdOf(check.url);
    await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' });
    const answers = await Promise.all([send(captureId, 0, 4), send(captureId, 0, 4)]);
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    const [a, b] = await Promise.all(answers.map(receipts));
    expect(a?.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    expect(b?.map((r) => r.seq)).toEqual([0, 1, 2, 3]);
    // Each frame was stored by exactly one of the two.
    expect([...(a ?? []), ...(b ?? [])].filter((r) => !r.duplicate)).toHaveLength(4);
    expect(await storedSeqs(check.id)).toEqual([0, 1, 2, 3]);
    // The count of frames is right: two more fit, a third does not.
    expect((await send(captureId, 4, 2)).status).toBe(202);
    expect((await send(captureId, 6, 1)).status).toBe(422);
  });

  it('"Try again" gets a fresh budget of frames', async () => {
    const check = (await (await t.request('/liveness_check', { method: 'POST', key, json: {} })).json()) as Created;
    const captureId = captureIdOf(check.url);
    await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' });
    expect((await send(captureId, 0, 6)).status).toBe(202);
    expect((await send(captureId, 6, 1)).status).toBe(422);
    await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' });
    expect((await send(captureId, 0, 6)).status).toBe(202);
    expect((await send(captureId, 6, 1)).status).toBe(422);
  });
});

describe('LIVECHECK_CAPTURE_ATTEMPTS', () => {
  it('sets how many attempts a link allows', async () => {
    const t = await startTestService('sqlite', { analyzer, env: { LIVECHECK_CAPTURE_ATTEMPTS: '2' } });
    try {
      const key = await t.tenantKey('acme');
      const check = (await (await t.request('/liveness_check', { method: 'POST', key, json: {} })).json()) as Created;
      const start = () => t.request(`/v1/capture/${captureIdOf(check.url)}/start`, { method: 'POST' });
      const answers = [(await (await start()).json()) as Start, (await (await start()).json()) as Start];
      expect(answers.map((a) => a.attempts_left)).toEqual([1, 0]);
      const third = await start();
      expect(third.status).toBe(409);
      expect(((await third.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'too_many_attempts', message: 'this link allows 2 capture attempts' });
    } finally {
      await t.stop();
    }
  });
});

describe('restart between capture and result', () => {
  it.each(STORE_KINDS)('loses nothing on %s: the next process analyses the finished capture', async (kind) => {
    const store = testStore(kind);
    const first = await startTestService(kind, { analyzer, store, runJobs: false });
    let token: string;
    let key: string;
    try {
      key = await first.tenantKey('acme');
      const check = (await (await first.request('/liveness_check', { method: 'POST', key, json: {} })).json()) as Created;
      token = check.token;
      const captureId = captureIdOf(check.url);
      const started = (await (await first.request(`/v1/capture/${captureId}/start`, { method: 'POST' })).json()) as Start;
      await sendFrames(first, captureId, started.challenge.steps.length, stillFrames.slice(0, 8));
      expect((await first.request(`/v1/capture/${captureId}/finish`, { method: 'POST' })).status).toBe(202);
    } finally {
      await first.service.close();
    }
    const second = await startTestService(kind, { analyzer, store });
    try {
      const { status, body } = await waitForResult(second, key, token);
      expect(status).toBe(200);
      expect(body.status).toBe('complete');
      expect(body.result.bounding_box).toBeDefined();
    } finally {
      await second.service.close();
      await store.dispose();
    }
  });
});
