// What a full session leaves behind: no secret or image in any log line (every line captured at
// trace level), and no image bytes anywhere in the embedded data directory or the PostgreSQL tables.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_KEY, type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';
import { type Pool, type Session, cellsAsBytes, dumpTables, runSession, startPool, stillFrames } from './session.js';

let pool: Pool;
let frames: Buffer[];
beforeAll(async () => {
  pool = await startPool();
  frames = await stillFrames(10);
});
afterAll(() => pool.close());

/**
 * Offsets where a JPEG starts: FF D8 FF, a marker that can open a JPEG, and a segment whose length
 * lands on the next marker. Checking the structure, not only the three bytes, keeps sealed data
 * (uniformly random) from matching by chance: about 1 in 10^11 per byte instead of 1 in 1.7×10^7.
 */
function jpegStarts(bytes: Buffer): number[] {
  const found: number[] = [];
  for (let i = bytes.indexOf(Buffer.from([0xff, 0xd8, 0xff])); i >= 0; i = bytes.indexOf(Buffer.from([0xff, 0xd8, 0xff]), i + 1)) {
    const marker = bytes[i + 3] ?? 0;
    if (!((marker >= 0xe0 && marker <= 0xef) || marker === 0xdb || marker === 0xc0 || marker === 0xc2 || marker === 0xc4 || marker === 0xfe)) continue;
    if (i + 6 > bytes.length) continue;
    const length = bytes.readUInt16BE(i + 4);
    if (length >= 2 && bytes[i + 4 + length] === 0xff) found.push(i);
  }
  return found;
}

/** 32-byte pieces from inside each JPEG's compressed data: recognisable image bytes. */
function pieces(jpegs: Buffer[]): Buffer[] {
  return jpegs.flatMap((jpeg) => [0.3, 0.5, 0.7, 0.9].map((f) => jpeg.subarray(Math.floor(jpeg.length * f), Math.floor(jpeg.length * f) + 32)));
}

/** Fifteen or more numbers in a row in a JSON array: an embedding or landmark list. */
const FLOAT_ARRAY = /\[\s*-?\d+(?:\.\d+)?(?:e-?\d+)?(?:\s*,\s*-?\d+(?:\.\d+)?(?:e-?\d+)?){15,}/;
/** A JPEG in base64 ("/9j/" is FF D8 FF) long enough not to occur by chance in sealed bytes. */
const BASE64_JPEG = /\/9j\/[A-Za-z0-9+/]{60}/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

function expectNoImages(what: string, bytes: Buffer, uploaded: Buffer[]): void {
  expect(jpegStarts(bytes), `${what}: JPEG start`).toEqual([]);
  for (const piece of pieces(uploaded)) expect(bytes.indexOf(piece), `${what}: image bytes`).toBe(-1);
  const text = bytes.toString('latin1');
  expect(BASE64_JPEG.test(text), `${what}: base64 JPEG`).toBe(false);
  expect(FLOAT_ARRAY.test(text), `${what}: float array`).toBe(false);
}

describe('the detectors', () => {
  it('find what they look for, so that the tests below can fail', async () => {
    const [jpeg] = await stillFrames(1);
    if (!jpeg) throw new Error('no frame');
    const noise = Buffer.alloc(4096, 0x5a);
    expect(jpegStarts(Buffer.concat([noise, jpeg, noise]))).toEqual([4096]);
    const bytes = Buffer.concat([noise, jpeg.subarray(100)]);
    expect(pieces([jpeg]).some((p) => bytes.indexOf(p) >= 0)).toBe(true);
    expect(FLOAT_ARRAY.test(JSON.stringify({ embedding: Array.from({ length: 128 }, (_, i) => Math.sin(i)) }))).toBe(true);
    expect(BASE64_JPEG.test(`x${jpeg.toString('base64')}`)).toBe(true);
  });
});

describe.each(STORE_KINDS)('after a full session on %s', (kind) => {
  let t: TestService;
  let key: string;
  let session: Session;
  const lines: string[] = [];
  beforeAll(async () => {
    const stream = { write: (line: string) => void lines.push(line) };
    t = await startTestService(kind, { analyzer: pool, logger: { level: 'trace', stream } });
    key = await t.tenantKey('acme');
    session = await runSession(t, key, frames, { audit_images: 3, retain_image: true, reference: 'order-77', redirect_url: 'https://shop.example/done' });
    // The paths that carry secrets: a poll, a bad frame on the spent link, an unknown route under
    // the link, a foreign key, and the erasure of another check.
    await t.request(`/liveness_check?token=${session.check.token}`, { key });
    await t.request(`/v1/capture/${session.captureId}/frames`, { method: 'POST', json: { frames: [{ t: 0, step: -1, image: 'data:image/jpeg;base64,/9j/4AAQ' }] } });
    await t.request(`/v1/capture/${session.captureId}/nowhere?token=${session.check.token}`);
    await t.request(`/liveness_check?token=${session.check.token}`, { key: `lc_${'K'.repeat(40)}` });
    const other = await runSession(t, key, frames.slice(0, 4));
    await t.request(`/liveness_check?token=${other.check.token}`, { method: 'DELETE', key });
  });
  afterAll(() => t.stop());

  it('no log line holds a token, capture id, API key, admin key, image or embedding', () => {
    expect(lines.length).toBeGreaterThan(20);
    const log = lines.join('');
    expect(log).toContain('"msg":"request done"');
    expect(log).toContain('"route":"/liveness_check"');
    expect(log).toContain('check analysed');
    const secrets: Record<string, string> = {
      token: session.check.token,
      'capture id': session.captureId,
      'capture id body': session.captureId.slice(4),
      'API key': key,
      'API key body': key.slice(3),
      'admin key': ADMIN_KEY,
    };
    for (const [what, secret] of Object.entries(secrets)) expect(log.includes(secret), what).toBe(false);
    expect(log).not.toContain('/9j/');
    expect(FLOAT_ARRAY.test(log)).toBe(false);
    expect(jpegStarts(Buffer.from(log, 'latin1'))).toEqual([]);
  });

  it('no image bytes anywhere in the data directory or the tables, while the result still shows them', async () => {
    const result = session.result.body as { result: { image?: string; audit_images?: unknown[] } };
    // The images are retained (sealed) and readable through the API: there is something to find.
    expect(result.result.image).toMatch(/^data:image\/jpeg;base64,\/9j\//);
    expect(result.result.audit_images?.length).toBeGreaterThan(0);
    const images = await t.service.store.db.selectFrom('check_images').select('image_sealed').execute();
    expect(images.length).toBeGreaterThan(0);

    const files = filesUnder(t.store.dataDir);
    if (kind === 'sqlite') expect(files.some((f) => f.endsWith('livecheck.sqlite'))).toBe(true);
    for (const file of files) expectNoImages(path.basename(file), readFileSync(file), frames);

    const cells = cellsAsBytes(await dumpTables(t));
    expect(cells.length).toBeGreaterThan(0);
    expectNoImages('tables', Buffer.concat(cells), frames);
    for (const cell of cells) expect(jpegStarts(cell)).toEqual([]);
  });
});
