// Property-based fuzzing of every JSON body and of the frame endpoint over real HTTP: whatever
// arrives, the answer is a success or a 4xx with the one error envelope, never a 5xx, and the
// service (and its model workers) still answer afterwards.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dataUri } from '../helpers/faces.js';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { type Pool, captureIdOf, createCheck, expectEnvelope, flatJpeg, startPool, stillFrames } from './session.js';

let pool: Pool;
let face: Buffer;
let flat: Buffer;
beforeAll(async () => {
  pool = await startPool();
  face = (await stillFrames(1))[0] as Buffer;
  flat = await flatJpeg(160, 120);
});
afterAll(() => pool.close());

const RUNS = 120;

/** Wrong types, huge and odd strings, nested junk. */
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.constant('x'.repeat(70_000)),
  fc.integer(),
  fc.double(),
  fc.constantFrom(-1, 0, 1, 1e308, -0, 2 ** 53 + 1),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 5 }),
  fc.constantFrom('javascript:alert(1)', 'file:///etc/passwd', 'http://169.254.169.254/latest/meta-data', 'https://', '//evil.example', 'https://x.example/\u0000', '\u202e', '../../etc/passwd', "' or 1=1 --"),
);

/** An object of known and unknown fields, some of them junk. */
function objectWith(fields: string[], valid: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const value = (field: string) => fc.oneof(valid[field] ?? junk, junk);
  return fc.oneof(
    fc.record(Object.fromEntries(fields.map((f) => [f, value(f)])), { requiredKeys: [] }),
    fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 12 })), junk, { maxKeys: 4 }),
    fc.jsonValue({ maxDepth: 4 }),
  );
}

/** Percent-encodes UTF-8 bytes; unlike encodeURIComponent it accepts lone surrogates (as U+FFFD). */
function percent(value: string): string {
  return [...Buffer.from(value, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
}

interface Sent {
  status: number;
  text: string;
}

/** Checks the answer's shape: an allowed success, or a 4xx with the envelope. */
async function expectNo5xx(res: Response, allowed: number[]): Promise<Sent> {
  const text = await res.text();
  if (res.status >= 400) {
    expect(res.status, text).toBeLessThan(500);
    const body = JSON.parse(text) as { error: { code: string; message: string; request_id: string } };
    expect(Object.keys(body)).toEqual(['error']);
    expect(body.error.request_id).toMatch(/^req_/);
    expect(body.error.message.length).toBeLessThan(1000);
  } else {
    expect(allowed, text).toContain(res.status);
  }
  return { status: res.status, text };
}

/** Images that are not acceptable JPEG frames, and a few that almost are. */
function badImage(): fc.Arbitrary<string> {
  const bytesUri = fc.uint8Array({ maxLength: 2048 }).map((b) => dataUri(Buffer.from(b)));
  const jpegMagic = fc.uint8Array({ maxLength: 2048 }).map((b) => dataUri(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.from(b)])));
  const truncated = fc.integer({ min: 0, max: flat.length - 1 }).map((n) => dataUri(flat.subarray(0, n)));
  // Corrupts the headers (tables, frame size), where a decoder is most easily confused.
  const mutated = fc
    .array(fc.tuple(fc.integer({ min: 2, max: Math.min(600, flat.length - 1) }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
    .map((edits) => {
      const copy = Buffer.from(flat);
      for (const [at, value] of edits) copy[at] = value;
      return dataUri(copy);
    });
  const prefixes = fc
    .tuple(fc.constantFrom('data:image/jpeg;base64', 'data:image/jpeg,', 'data:image/JPEG;base64,', 'data:;base64,', 'data:image/jpeg;base64,,', 'DATA:image/jpeg;base64,', ' data:image/jpeg;base64,'), fc.base64String({ maxLength: 400 }))
    .map(([prefix, body]) => prefix + body);
  return fc.oneof(bytesUri, jpegMagic, truncated, mutated, prefixes, fc.string({ maxLength: 200 }), fc.base64String({ maxLength: 400 }));
}

describe.each(STORE_KINDS)('fuzzing on %s', (kind) => {
  let t: TestService;
  let key: string;
  beforeAll(async () => {
    t = await startTestService(kind, {
      analyzer: pool,
      env: { LIVECHECK_RATE_LIMIT_API_KEY: 'off', LIVECHECK_RATE_LIMIT_CAPTURE_LINK: 'off', LIVECHECK_RATE_LIMIT_CLIENT_ADDRESS: 'off' },
    });
    key = await t.tenantKey('acme');
  });
  afterAll(() => t.stop());

  async function stillAnswers(): Promise<void> {
    expect((await t.request('/healthz')).status).toBe(200);
    expect((await t.request('/liveness_check', { method: 'POST', key, json: { reference: 'after-fuzz' } })).status).toBe(201);
  }

  it('POST /liveness_check: random and malformed bodies', async () => {
    const body = objectWith(['redirect_url', 'audit_images', 'retain_image', 'threshold', 'expires_in', 'reference', 'webhook_url'], {
      redirect_url: fc.webUrl(),
      audit_images: fc.integer({ min: 0, max: 10 }),
      retain_image: fc.boolean(),
      threshold: fc.double({ min: 0, max: 1, noNaN: true }),
      expires_in: fc.integer({ min: 60, max: 86_400 }),
      reference: fc.string({ maxLength: 128 }),
      webhook_url: fc.webUrl(),
    });
    await fc.assert(
      fc.asyncProperty(body, fc.option(fc.string({ minLength: 1, maxLength: 300 }), { nil: undefined }), async (json, idempotencyKey) => {
        const headers: Record<string, string> = idempotencyKey !== undefined ? { 'idempotency-key': percent(idempotencyKey) } : {};
        await expectNo5xx(await t.request('/liveness_check', { method: 'POST', key, json, headers }), [201]);
      }),
      { numRuns: RUNS },
    );
    await stillAnswers();
  });

  it('raw bodies and content types that are not JSON objects', async () => {
    const raw = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 500 }),
      fc.uint8Array({ maxLength: 500 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.constantFrom('{', '{"a":', '[]', 'null', '"x"', '1e999', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{"admin":true}}}', '['.repeat(30_000) + ']'.repeat(30_000), '\uFEFF{}'),
    );
    const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/json; charset=utf-16');
    const path = fc.constantFrom('/liveness_check', '/admin/api_keys');
    await fc.assert(
      fc.asyncProperty(raw, contentType, path, async (body, type, target) => {
        const res = await t.request(target, { method: 'POST', key: target === '/admin/api_keys' ? ADMIN_KEY : key, body, headers: { 'content-type': type } });
        await expectNo5xx(res, [201]);
      }),
      { numRuns: RUNS },
    );
    await stillAnswers();
  });

  it('POST /admin/api_keys: random and malformed bodies', async () => {
    const body = objectWith(['tenant'], { tenant: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/) });
    await fc.assert(
      fc.asyncProperty(body, async (json) => {
        const res = await t.request('/admin/api_keys', { method: 'POST', key: ADMIN_KEY, json });
        const sent = await expectNo5xx(res, [201]);
        if (sent.status === 201) expect(JSON.parse(sent.text)).toMatchObject({ key: expect.stringMatching(/^lc_[A-Za-z0-9]{40}$/) });
      }),
      { numRuns: RUNS },
    );
    await stillAnswers();
  });

  it('query strings: random tokens, limits and extra parameters', async () => {
    const value = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.stringMatching(/^[A-Za-z0-9]{32}$/));
    const target = fc.constantFrom('GET /liveness_check?token=', 'DELETE /liveness_check?token=', 'GET /admin/audit_log?limit=', 'GET /admin/audit_log?before=', 'GET /admin/api_keys?tenant=');
    await fc.assert(
      fc.asyncProperty(target, value, fc.option(fc.string({ maxLength: 10 }), { nil: undefined }), async (route, v, extra) => {
        const [method, path] = route.split(' ') as [string, string];
        const url = `${path}${percent(v)}${extra !== undefined ? `&${percent(extra)}=1` : ''}`;
        const res = await t.request(url, { method, key: path.startsWith('/admin') ? ADMIN_KEY : key });
        await expectNo5xx(res, [200]);
      }),
      { numRuns: RUNS },
    );
    await stillAnswers();
  });

  it('POST /v1/capture/{id}/frames: random bodies and bad images, then the session and the models still work', async () => {
    const captureId = captureIdOf((await createCheck(t, key)).url);
    expect((await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' })).status).toBe(200);
    const frame = fc.record(
      { t: fc.oneof(fc.integer({ min: 0, max: 10_000 }), junk), step: fc.oneof(fc.integer({ min: -1, max: 3 }), junk), image: fc.oneof(badImage(), junk) },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.record({ frames: fc.array(frame, { minLength: 0, maxLength: 12 }) }),
      fc.record({ frames: fc.array(frame, { minLength: 1, maxLength: 3 }), extra: junk }),
      fc.jsonValue({ maxDepth: 4 }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (json) => {
        await expectNo5xx(await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json }), [202]);
      }),
      { numRuns: RUNS },
    );
    // Random capture ids and actions never crash anything either.
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 200 }), fc.constantFrom('start', 'frames', 'finish'), async (id, action) => {
        const res = await t.request(`/v1/capture/${percent(id)}/${action}`, { method: 'POST', json: { frames: [{ t: 0, step: -1, image: dataUri(flat) }] } });
        await expectNo5xx(res, [200, 202]);
      }),
      { numRuns: 60 },
    );
    const ok = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames: [{ t: 20_000, step: -1, image: dataUri(face) }] } });
    expect(ok.status).toBe(202);
    const receipt = (await ok.json()) as { frames: Array<{ feedback: string; bounding_box?: object }> };
    // The models answered: the frame was analysed, not left pending.
    expect(receipt.frames[0]?.feedback).not.toBe('pending');
    expect(receipt.frames[0]?.bounding_box).toBeDefined();
    const finish = await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' });
    expect(finish.status).toBe(202);
    await stillAnswers();
    await expectEnvelope(await t.request('/liveness_check', { method: 'POST', key, json: { junk: true } }));
  });
});
