// Abuse and bad input over real HTTP: rate limits (429 + Retry-After), decompression bombs and
// malformed images refused before any model runs, bounded strings, and a load of bad actors.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataUri } from '../helpers/faces.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { CountingAnalyzer, type Pool, captureIdOf, createCheck, expectEnvelope, flatJpeg, runSession, startPool, stillFrames } from './session.js';

let pool: Pool;
let frames: Buffer[];
let flat: Buffer;
beforeAll(async () => {
  pool = await startPool();
  frames = await stillFrames(8);
  flat = await flatJpeg(320, 240);
});
afterAll(() => pool.close());

const NO_LIMITS = { LIVECHECK_RATE_LIMIT_API_KEY: 'off', LIVECHECK_RATE_LIMIT_CAPTURE_LINK: 'off', LIVECHECK_RATE_LIMIT_CLIENT_ADDRESS: 'off' };

/** Rewrites the frame size in a JPEG's SOF header: a small file that declares a huge image. */
function declareSize(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  let at = 2;
  while (at + 9 < out.length) {
    if (out[at] !== 0xff) throw new Error('lost JPEG marker sync');
    const marker = out[at + 1] ?? 0;
    const length = out.readUInt16BE(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      out.writeUInt16BE(height, at + 5);
      out.writeUInt16BE(width, at + 7);
      return out;
    }
    at += 2 + length;
  }
  throw new Error('no SOF marker');
}

describe.each(STORE_KINDS)('bad input on %s', (kind) => {
  let t: TestService;
  let key: string;
  let counting: CountingAnalyzer;
  beforeAll(async () => {
    counting = new CountingAnalyzer(pool);
    t = await startTestService(kind, { analyzer: counting, env: NO_LIMITS });
    key = await t.tenantKey('acme');
  });
  afterAll(() => t.stop());

  async function startedLink(): Promise<string> {
    const captureId = captureIdOf((await createCheck(t, key)).url);
    expect((await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' })).status).toBe(200);
    return captureId;
  }

  const sendImage = (captureId: string, image: string) =>
    t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: [{ t: 0, step: -1, image }] } });

  it('a decompression bomb (a small JPEG declaring 20000×20000 of flat colour) is refused fast, before any model runs', async () => {
    const captureId = await startedLink();
    const bomb = declareSize(flat, 20_000, 20_000);
    expect(bomb.length).toBeLessThan(10_000);
    const meta = await sharp(bomb, { limitInputPixels: false }).metadata();
    expect([meta.width, meta.height]).toEqual([20_000, 20_000]);
    const callsBefore = counting.calls;
    const started = performance.now();
    const res = await sendImage(captureId, dataUri(bomb));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(res.status).toBe(422);
    const body = await expectEnvelope(res);
    expect(body.error.code).toBe('invalid_frame');
    expect(body.error.message).toContain('frames[0]');
    expect(counting.calls).toBe(callsBefore);
  });

  it('malformed, truncated and non-JPEG images get a named 422 and never reach the models', async () => {
    const captureId = await startedLink();
    const png = await sharp(flat).png().toBuffer();
    const webp = await sharp(flat).webp().toBuffer();
    const gif = await sharp(flat).gif().toBuffer();
    const inflated = declareSize(flat, 1900, 1900);
    const cases: Array<[string, string]> = [
      ['truncated in the scan', dataUri(flat.subarray(0, Math.floor(flat.length * 0.6)))],
      ['header only', dataUri(flat.subarray(0, 200))],
      ['declares more pixels than it carries', dataUri(inflated)],
      ['PNG with a JPEG label', dataUri(png)],
      ['WebP with a JPEG label', dataUri(webp)],
      ['GIF with a JPEG label', dataUri(gif)],
      ['SVG with a JPEG label', dataUri(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="9000" height="9000"/>'))],
      ['JPEG magic then zeros', dataUri(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(4096)]))],
      ['empty', 'data:image/jpeg;base64,'],
      ['not base64', 'data:image/jpeg;base64,@@@@'],
      ['base64 with line breaks', `data:image/jpeg;base64,${flat.toString('base64').replace(/(.{76})/g, '$1\n')}`],
      ['PNG data URI', `data:image/png;base64,${png.toString('base64')}`],
      ['remote URL', 'https://example.com/face.jpg'],
      ['file path', '/etc/passwd'],
      ['too small', dataUri(await flatJpeg(32, 32))],
    ];
    const callsBefore = counting.calls;
    for (const [what, image] of cases) {
      const res = await sendImage(captureId, image);
      expect(res.status, what).toBe(422);
      expect((await expectEnvelope(res)).error.code, what).toBe('invalid_frame');
    }
    expect(counting.calls).toBe(callsBefore);
    // Nothing of those requests was stored, and the session goes on.
    const ok = await sendImage(captureId, dataUri(frames[0] as Buffer));
    expect(ok.status).toBe(202);
    expect(((await ok.json()) as { frames: Array<{ seq: number }> }).frames[0]?.seq).toBe(0);
  });

  it('every string is bounded: over-long values are a 400 or 413 with the envelope', async () => {
    const captureId = await startedLink();
    const long = (n: number) => 'a'.repeat(n);
    const cases: Array<[string, () => Promise<Response>, number]> = [
      ['reference', () => t.request('/liveness_check', { method: 'POST', key, json: { reference: long(129) } }), 400],
      ['redirect_url', () => t.request('/liveness_check', { method: 'POST', key, json: { redirect_url: `https://x.example/${long(2048)}` } }), 400],
      ['webhook_url', () => t.request('/liveness_check', { method: 'POST', key, json: { webhook_url: `https://x.example/${long(2048)}` } }), 400],
      ['idempotency-key', () => t.request('/liveness_check', { method: 'POST', key, json: {}, headers: { 'idempotency-key': long(256) } }), 400],
      ['token', () => t.request(`/liveness_check?token=${long(257)}`, { key }), 400],
      ['tenant', () => t.request('/admin/api_keys', { method: 'POST', key: ADMIN_KEY, json: { tenant: long(65) } }), 400],
      // Over-long path parameters and bad percent-encoding are refused before routing.
      ['capture id', () => t.request(`/v1/capture/cap_${long(5000)}/start`, { method: 'POST' }), 400],
      ['percent-encoding', () => t.request(`/v1/capture/cap_${long(36)}%E0%A4%A/start`, { method: 'POST' }), 400],
      ['check body', () => t.request('/liveness_check', { method: 'POST', key, json: { reference: long(70_000) } }), 413],
      ['frame image', () => sendImage(captureId, `data:image/jpeg;base64,${long(2_100_004)}`), 400],
      ['frames body', () => t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', body: `{"frames":[],"x":"${long(22 * 1024 * 1024)}"}`, headers: { 'content-type': 'application/json' } }), 413],
    ];
    for (const [what, send, status] of cases) {
      const res = await send();
      expect(res.status, what).toBe(status);
      expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
      // Errors never echo the over-long value (a path segment may be a capture id).
      expect(JSON.stringify(await expectEnvelope(res)), what).not.toContain(long(100));
    }
  });
});

describe.each(STORE_KINDS)('bad actors on %s', (kind) => {
  let t: TestService;
  let key: string;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer: pool, env: NO_LIMITS });
    key = await t.tenantKey('acme');
  });
  afterAll(() => t.stop());

  const rowOf = (id: string) => t.service.store.db.selectFrom('liveness_checks').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('hundreds of invalid tokens all get the same 400 and leave a real check untouched', async () => {
    const real = await createCheck(t, key, { reference: 'real' });
    const before = await rowOf(real.id);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
    const guess = () => Array.from({ length: 32 }, () => alphabet[Math.floor(Math.random() * alphabet.length)]).join('');
    const answers = new Set<string>();
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all(
        Array.from({ length: 15 }, async (_, i) => {
          const res = await t.request(`/liveness_check?token=${guess()}`, { method: i % 3 === 0 ? 'DELETE' : 'GET', key });
          const body = await expectEnvelope(res);
          return `${res.status} ${body.error.code} ${body.error.message}`;
        }),
      );
      for (const answer of results) answers.add(answer);
    }
    expect([...answers]).toEqual(['400 invalid_token the token is malformed, unknown, or not yours']);
    expect(await rowOf(real.id)).toEqual(before);
    expect((await t.request(`/liveness_check?token=${real.token}`, { key })).status).toBe(202);
  });

  it('many concurrent starts on one link: exactly the allowed attempts succeed', async () => {
    const check = await createCheck(t, key);
    const captureId = captureIdOf(check.url);
    const responses = await Promise.all(Array.from({ length: 12 }, () => t.request(`/v1/capture/${captureId}/start`, { method: 'POST' })));
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    const attempts = await Promise.all(responses.filter((r) => r.status === 200).map(async (r) => ((await r.json()) as { attempt: number }).attempt));
    expect(attempts.sort()).toEqual([1, 2, 3]);
    for (const res of responses.filter((r) => r.status === 409)) expect((await expectEnvelope(res)).error.code).toBe('too_many_attempts');
    expect((await rowOf(check.id)).attempts).toBe(3);
    // And unknown links stay unknown however often they are tried.
    const unknown = await Promise.all(Array.from({ length: 30 }, (_, i) => t.request(`/v1/capture/cap_${String(i).padStart(40, 'x')}/start`, { method: 'POST' })));
    expect(new Set(unknown.map((r) => r.status))).toEqual(new Set([404]));
  });

  it("replaying a finished session's frames is rejected and the result does not change", async () => {
    const session = await runSession(t, key, frames, { audit_images: 1 });
    expect(session.result.status).toBe(200);
    const row = await rowOf(session.check.id);
    for (const upload of session.uploads) {
      const res = await t.request(`/v1/capture/${session.captureId}/frames`, { method: 'POST', json: upload });
      expect(res.status).toBe(409);
      expect((await expectEnvelope(res)).error.code).toBe('check_finished');
    }
    const restart = await t.request(`/v1/capture/${session.captureId}/start`, { method: 'POST' });
    expect(restart.status).toBe(409);
    expect((await t.request(`/v1/capture/${session.captureId}/finish`, { method: 'POST' })).status).toBe(202);
    const frameRows = await t.service.store.db.selectFrom('capture_frames').select('seq').where('check_id', '=', session.check.id).execute();
    expect(frameRows).toHaveLength(0);
    expect(await rowOf(session.check.id)).toEqual(row);
    const again = await t.request(`/liveness_check?token=${session.check.token}`, { key });
    expect(await again.json()).toEqual(session.result.body);
  });
});

describe.each(STORE_KINDS)('rate limits on %s', (kind) => {
  // Slow refill (a token every 5 s) so that the bursts below cannot refill while they run.
  let t: TestService;
  let limitedKey: string;
  let otherKey: string;
  beforeAll(async () => {
    t = await startTestService(kind, {
      analyzer: pool,
      env: { LIVECHECK_RATE_LIMIT_API_KEY: '0.2/5', LIVECHECK_RATE_LIMIT_CAPTURE_LINK: '0.2/3', LIVECHECK_RATE_LIMIT_CLIENT_ADDRESS: 'off' },
    });
    limitedKey = await t.tenantKey('acme');
    otherKey = await t.tenantKey('acme');
  });
  afterAll(() => t.stop());

  async function expectLimited(res: Response, what: string): Promise<void> {
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(5);
    const body = await expectEnvelope(res);
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toContain(what);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
  }

  it('per API key: a burst, then 429 with Retry-After; other keys are not affected', async () => {
    for (let i = 0; i < 5; i++) expect((await t.request(`/liveness_check?token=${'B'.repeat(32)}`, { key: limitedKey })).status).toBe(400);
    await expectLimited(await t.request(`/liveness_check?token=${'B'.repeat(32)}`, { key: limitedKey }), 'API key');
    await expectLimited(await t.request('/liveness_check', { method: 'POST', key: limitedKey, json: {} }), 'API key');
    expect((await t.request('/liveness_check', { method: 'POST', key: otherKey, json: {} })).status).toBe(201);
    // Wrong keys are limited too, before authentication is even tried.
    const wrong = `lc_${'W'.repeat(40)}`;
    for (let i = 0; i < 5; i++) expect((await t.request('/liveness_check', { method: 'POST', key: wrong, json: {} })).status).toBe(401);
    await expectLimited(await t.request('/liveness_check', { method: 'POST', key: wrong, json: {} }), 'API key');
  });

  it('per capture link: a burst, then 429; other links are not affected', async () => {
    const a = captureIdOf((await createCheck(t, otherKey)).url);
    const b = captureIdOf((await createCheck(t, otherKey)).url);
    expect((await t.request(`/v1/capture/${a}/start`, { method: 'POST' })).status).toBe(200);
    const frame = { frames: [{ t: 0, step: -1, image: dataUri(flat) }] };
    expect((await t.request(`/v1/capture/${a}/frames`, { method: 'POST', json: frame })).status).toBe(202);
    expect((await t.request(`/v1/capture/${a}/frames`, { method: 'POST', json: frame })).status).toBe(202);
    await expectLimited(await t.request(`/v1/capture/${a}/frames`, { method: 'POST', json: frame }), 'capture link');
    await expectLimited(await t.request(`/v1/capture/${a}/finish`, { method: 'POST' }), 'capture link');
    expect((await t.request(`/v1/capture/${b}/start`, { method: 'POST' })).status).toBe(200);
  });

  it('per client address, with health and metrics always answered', async () => {
    const limited = await startTestService(kind, { analyzer: pool, store: t.store, env: { ...NO_LIMITS, LIVECHECK_RATE_LIMIT_CLIENT_ADDRESS: '0.2/10' } });
    try {
      for (let i = 0; i < 10; i++) expect((await limited.request(`/v1/capture/cap_${'u'.repeat(40)}/start`, { method: 'POST' })).status).toBe(404);
      await expectLimited(await limited.request('/nowhere'), 'address');
      await expectLimited(await limited.request('/liveness_check', { method: 'POST', key: otherKey, json: {} }), 'address');
      expect((await limited.request('/healthz')).status).toBe(200);
      expect((await limited.request('/metrics')).status).toBe(200);
    } finally {
      await limited.service.close();
    }
  });
});
