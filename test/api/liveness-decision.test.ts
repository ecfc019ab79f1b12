// The decision end to end over the public API: a generated live person performs the challenge the server
// drew for this very check, through the capture protocol, and the backend reads passed:true; a printed
// photo tilted toward the same kind of challenge reads passed:false with a reason a person can act on.
// Real models, both stores.
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzerPool } from '../../src/engine/analyzer-pool.js';
import type { Human } from '../../src/engine/human.js';
import type { ChallengeMove, FrameAnalyzer } from '../../src/engine/types.js';
import { type FaceSource, loadFaceDetector, loadFaceSource } from '../../src/synth/face-source.js';
import { generateSession } from '../../src/synth/session.js';
import type { SessionSpecies } from '../../src/synth/species.js';
import { dataUri } from '../helpers/faces.js';
import { type TestService, startTestService } from '../helpers/service.js';
import { STORE_KINDS } from '../helpers/stores.js';

interface BoundingBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

interface Result {
  status: string;
  result: {
    passed: boolean;
    confidence: number;
    threshold: number;
    failure_reason?: string;
    bounding_box?: BoundingBox;
    image?: string;
    audit_images?: Array<{ image: string; bounding_box: BoundingBox; captured_at: string }>;
  };
}

/** Reasons that tell the person (or the business) what went wrong, as opposed to a service fault. */
const ACTIONABLE = ['flat_surface', 'step_not_done', 'wrong_direction', 'identity_changed', 'moved_out_of_frame'];

/** A face box as fractions of the frame, inside it, of a face's size at arm's length. */
function expectFaceBox(box: BoundingBox | undefined): void {
  expect(box).toBeDefined();
  const { left, top, width, height } = box ?? { left: -1, top: -1, width: -1, height: -1 };
  for (const value of [left, top, width, height]) {
    expect(value).toBeGreaterThanOrEqual(0);
    expect(value).toBeLessThanOrEqual(1);
  }
  expect(left + width).toBeLessThanOrEqual(1);
  expect(top + height).toBeLessThanOrEqual(1);
  expect(width).toBeGreaterThan(0.1);
  expect(width).toBeLessThan(0.9);
  expect(height).toBeGreaterThan(0.1);
  expect(height).toBeLessThan(0.95);
}

/** A `data:image/jpeg;base64,` URI whose bytes decode as a JPEG of a usable size. */
async function expectJpegDataUri(uri: string | undefined): Promise<void> {
  expect(uri).toMatch(/^data:image\/jpeg;base64,[A-Za-z0-9+/]+={0,2}$/);
  const meta = await sharp(Buffer.from((uri ?? '').slice('data:image/jpeg;base64,'.length), 'base64')).metadata();
  expect(meta.format).toBe('jpeg');
  expect(meta.width).toBeGreaterThanOrEqual(64);
  expect(meta.height).toBeGreaterThanOrEqual(64);
}

let analyzer: FrameAnalyzer & { ready(): Promise<void> };
let detector: Human;
let face: FaceSource;
beforeAll(async () => {
  analyzer = createAnalyzerPool({ size: 2 });
  detector = await loadFaceDetector();
  [face] = await Promise.all([loadFaceSource(detector, 'hopper'), analyzer.ready()]);
}, 120_000);
afterAll(() => analyzer.close());

describe.each(STORE_KINDS)('the liveness decision over the API on %s', (kind) => {
  let t: TestService;
  let key: string;
  beforeAll(async () => {
    t = await startTestService(kind, { analyzer });
    key = await t.tenantKey('acme');
  });
  afterAll(() => t.stop());

  /** Creates a check, starts its capture, performs `species` for the drawn challenge, finishes, waits. */
  async function perform(species: SessionSpecies, seed: number, options: object = {}): Promise<{ steps: ChallengeMove[]; body: Result; httpStatus: number }> {
    const created = (await (await t.request('/liveness_check', { method: 'POST', key, json: options })).json()) as { token: string; url: string };
    const captureId = new URL(created.url).pathname.replace('/c/', '');
    const start = await t.request(`/v1/capture/${captureId}/start`, { method: 'POST' });
    expect(start.status).toBe(200);
    const steps = ((await start.json()) as { challenge: { steps: ChallengeMove[] } }).challenge.steps;
    // The hosted page sends 5 frames a second.
    const session = await generateSession({ face, challenge: { steps }, species, seed, fps: 5 });
    for (let i = 0; i < session.frames.length; i += 4) {
      const frames = session.frames.slice(i, i + 4).map((f) => ({ t: f.t, step: f.step, image: dataUri(f.jpeg) }));
      const res = await t.request(`/v1/capture/${captureId}/frames`, { method: 'POST', json: { frames } });
      expect(res.status).toBe(202);
    }
    expect((await t.request(`/v1/capture/${captureId}/finish`, { method: 'POST' })).status).toBe(202);
    const deadline = Date.now() + 120_000;
    for (;;) {
      const res = await t.request(`/liveness_check?token=${created.token}`, { key });
      if (res.status !== 202) return { steps, body: (await res.json()) as Result, httpStatus: res.status };
      if (Date.now() > deadline) throw new Error('no result within 120 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('a live person doing the drawn challenge passes, with a face box, the probe image and the audit images asked for', { timeout: 180_000 }, async () => {
    const { steps, body, httpStatus } = await perform('bona_fide', 21, { audit_images: 2 });
    expect(httpStatus).toBe(200);
    expect(body.status).toBe('complete');
    expect(body.result, JSON.stringify({ steps, result: { ...body.result, image: undefined, audit_images: undefined } })).toMatchObject({ passed: true });
    expect(body.result.confidence).toBeGreaterThanOrEqual(body.result.threshold);
    expect(body.result.failure_reason).toBeUndefined();
    expectFaceBox(body.result.bounding_box);
    // retain_image defaults to true.
    await expectJpegDataUri(body.result.image);
    expect(body.result.audit_images).toHaveLength(2);
    for (const audit of body.result.audit_images ?? []) {
      await expectJpegDataUri(audit.image);
      expectFaceBox(audit.bounding_box);
      expect(Number.isNaN(Date.parse(audit.captured_at))).toBe(false);
    }
  });

  it('a print tilted toward the drawn moves fails with an actionable reason', { timeout: 180_000 }, async () => {
    const { body, httpStatus } = await perform('print_tilted', 22);
    expect(httpStatus).toBe(200);
    expect(body.result.passed).toBe(false);
    expect(body.result.confidence).toBeLessThan(body.result.threshold);
    expect(ACTIONABLE).toContain(body.result.failure_reason);
  });
});
