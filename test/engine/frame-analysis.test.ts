import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { EngineError } from '../../src/engine/errors.js';
import { analyseFrame } from '../../src/engine/frame-analysis.js';
import { type Human, loadHuman } from '../../src/engine/human.js';
import { planarResidual } from '../../src/engine/homography.js';
import { landmarkSlot } from '../../src/engine/landmarks.js';
import { PARALLAX_FLAT_RESIDUAL } from '../../src/engine/parallax.js';
import type { FaceObservation, FrameObservation } from '../../src/engine/types.js';
import { SAMPLE_FACES, faceFrame, flatFrame, portraitPath, samplePhoto, wholePhoto } from './helpers/photos.js';
import { tiltedPrint } from './helpers/tilted-print.js';

let human: Human;
const GRACE_FACE = { left: 119, top: 89, side: 284 };

beforeAll(async () => {
  human = await loadHuman();
});

function onlyFace(observation: FrameObservation): FaceObservation {
  expect(observation.faces).toHaveLength(1);
  const face = observation.faces[0];
  if (!face) throw new Error('no face');
  return face;
}

function cosine(a: number[], b: number[]): number {
  return a.reduce((sum, v, i) => sum + v * (b[i] ?? 0), 0);
}

/** Nose tip's offset from the midpoint of the two contour landmarks, as a fraction of their distance. */
function noseOffset(face: FaceObservation): number {
  const nose = face.landmarks?.[landmarkSlot('noseTip')];
  const right = face.landmarks?.[landmarkSlot('rightContour')];
  const left = face.landmarks?.[landmarkSlot('leftContour')];
  if (!nose || !right || !left) throw new Error('landmarks missing');
  return (nose[0] - (right[0] + left[0]) / 2) / Math.abs(left[0] - right[0]);
}

describe('analyseFrame on one face', () => {
  it('finds one face, boxed where it is, with pose, passive scores, descriptor and landmarks', async () => {
    const { photo, face } = SAMPLE_FACES.frontal;
    const observation = await analyseFrame(human, await faceFrame(samplePhoto(photo), face));
    const found = onlyFace(observation);
    expect(observation).toMatchObject({ width: 640, height: 480, feedback: 'ok' });
    // The face was centred at 45% of the frame height.
    expect(found.box.left + found.box.width / 2).toBeCloseTo(0.5, 1);
    expect(found.box.top + found.box.height / 2).toBeGreaterThan(0.4);
    expect(found.box.top + found.box.height / 2).toBeLessThan(0.65);
    expect(found.box.height).toBeGreaterThan(0.3);
    expect(found.box.height).toBeLessThan(0.6);
    expect(found.score).toBeGreaterThan(0.7);
    expect(Math.abs(found.yaw)).toBeLessThan(20);
    expect(found.real).toBeGreaterThan(0);
    expect(found.live).toBeGreaterThan(0);
    expect(found.embedding?.length).toBe(1024);
    expect(Math.hypot(...(found.embedding ?? []))).toBeCloseTo(1, 3);
    expect(found.landmarks).toHaveLength(25);
    expect(observation.brightness).toBeGreaterThan(40);
    expect(observation.faceBrightness).toBeGreaterThan(40);
    expect(observation.sharpness).toBeGreaterThan(50);
    expect(observation.inferenceMs).toBeGreaterThan(0);
  });

  it('reports yaw > 0 when the nose points to the image right, and mirroring negates it', async () => {
    const { photo, face } = SAMPLE_FACES.turned;
    const original = onlyFace(await analyseFrame(human, await faceFrame(samplePhoto(photo), face)));
    const mirrored = onlyFace(await analyseFrame(human, await faceFrame(samplePhoto(photo), face, { mirror: true })));
    // This subject turned to their own left: the nose sits right of the contour midpoint in the image.
    expect(noseOffset(original)).toBeGreaterThan(0.2);
    expect(original.yaw).toBeGreaterThan(15);
    expect(noseOffset(mirrored)).toBeLessThan(-0.2);
    expect(mirrored.yaw).toBeLessThan(-15);
    expect(Math.abs(original.yaw + mirrored.yaw)).toBeLessThan(8);
    expect(Math.abs(original.pitch - mirrored.pitch)).toBeLessThan(8);
  });

  it('reports pitch < 0 for a head tilted down', async () => {
    const { photo, face } = SAMPLE_FACES.lookingDown;
    const found = onlyFace(await analyseFrame(human, await faceFrame(samplePhoto(photo), face)));
    expect(found.pitch).toBeLessThan(-10);
    expect(Math.abs(found.yaw)).toBeLessThan(10);
  });

  it('gives the same face a similar descriptor after jitter, and another person a dissimilar one', async () => {
    const { photo, face } = SAMPLE_FACES.frontal;
    const a = onlyFace(await analyseFrame(human, await faceFrame(samplePhoto(photo), face)));
    const b = onlyFace(await analyseFrame(human, await faceFrame(samplePhoto(photo), face, { dx: 17, dy: -11, faceFraction: 0.4, quality: 70 })));
    const other = onlyFace(await analyseFrame(human, await faceFrame(portraitPath(), GRACE_FACE)));
    const same = cosine(a.embedding ?? [], b.embedding ?? []);
    const different = cosine(a.embedding ?? [], other.embedding ?? []);
    expect(same).toBeGreaterThan(0.9);
    expect(different).toBeLessThan(0.7);
  });

  it('applies the EXIF orientation before looking for the face', async () => {
    const upright = await faceFrame(portraitPath(), GRACE_FACE);
    // Pixels stored turned 90° counter-clockwise, with the tag that tells viewers to turn them back.
    const stored = await sharp(upright).rotate(-90).withMetadata({ orientation: 6 }).jpeg().toBuffer();
    const observation = await analyseFrame(human, stored);
    expect(observation).toMatchObject({ width: 640, height: 480 });
    expect(Math.abs(onlyFace(observation).roll)).toBeLessThan(20);
  });
});

describe('analyseFrame feedback', () => {
  it('says multiple_faces for a group photo', async () => {
    const observation = await analyseFrame(human, await wholePhoto(samplePhoto(3)));
    expect(observation.feedback).toBe('multiple_faces');
    expect(observation.faces.length).toBeGreaterThanOrEqual(2);
    // Largest face first.
    const areas = observation.faces.map((f) => f.box.width * f.box.height);
    expect([...areas].sort((x, y) => y - x)).toEqual(areas);
  });

  it('says no_face for a blank frame and too_dark for a black one', async () => {
    const blank = await analyseFrame(human, await flatFrame('#8a8a8a'));
    expect(blank).toMatchObject({ faces: [], feedback: 'no_face' });
    const black = await analyseFrame(human, await flatFrame('#050505'));
    expect(black).toMatchObject({ faces: [], feedback: 'too_dark' });
    expect(black.brightness).toBeLessThan(10);
  });

  it('says face_too_small, blurred and too_dark when that is what is wrong', async () => {
    const photo = portraitPath();
    const small = await analyseFrame(human, await faceFrame(photo, GRACE_FACE, { faceFraction: 0.14 }));
    expect(small.feedback).toBe('face_too_small');
    const blurred = await analyseFrame(human, await sharp(await faceFrame(photo, GRACE_FACE)).blur(4).jpeg().toBuffer());
    expect(blurred.feedback).toBe('blurred');
    const dark = await analyseFrame(human, await sharp(await faceFrame(photo, GRACE_FACE)).linear(0.25, 0).jpeg().toBuffer());
    expect(dark.feedback).toBe('too_dark');
  });
});

describe('analyseFrame input handling', () => {
  it('rejects corrupt, truncated, non-JPEG and oversized input with invalid_image, then keeps working', async () => {
    const good = await faceFrame(portraitPath(), GRACE_FACE);
    const png = await sharp(good).png().toBuffer();
    const bad: Array<[string, () => Promise<FrameObservation>]> = [
      ['garbage', () => analyseFrame(human, Buffer.from('definitely not a jpeg'))],
      ['truncated', () => analyseFrame(human, good.subarray(0, Math.floor(good.length / 2)))],
      ['png', () => analyseFrame(human, png)],
      ['too many pixels', () => analyseFrame(human, good, { maxInputPixels: 320 * 240, maxSide: 640 })],
    ];
    for (const [label, attempt] of bad) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error, label).toBeInstanceOf(EngineError);
      expect((error as EngineError).code, label).toBe('invalid_image');
    }
    expect(onlyFace(await analyseFrame(human, good)).embedding?.length).toBe(1024);
  });

  it('scales frames down to maxSide but reports in source pixels', async () => {
    const big = await sharp(await faceFrame(portraitPath(), GRACE_FACE)).resize(1280, 960).jpeg().toBuffer();
    const observation = await analyseFrame(human, big);
    expect(observation).toMatchObject({ width: 1280, height: 960 });
    const nose = onlyFace(observation).landmarks?.[landmarkSlot('noseTip')];
    expect(nose?.[0]).toBeGreaterThan(500);
    expect(nose?.[0]).toBeLessThan(780);
  });

  it('frees every tensor it creates', async () => {
    const frames = [await faceFrame(portraitPath(), GRACE_FACE), await wholePhoto(samplePhoto(1), 640), await flatFrame('#202020')];
    for (const frame of frames) await analyseFrame(human, frame);
    const before = human.tf.engine().state.numTensors;
    for (const frame of frames) await analyseFrame(human, frame);
    expect(human.tf.engine().state.numTensors).toBe(before);
  });
});

describe('a flat print turned in front of the camera', () => {
  it('stays near-frontal to the pose model and its landmarks fit one plane', async () => {
    const frontal = await faceFrame(portraitPath(), GRACE_FACE, { faceFraction: 0.4 });
    const straight = onlyFace(await analyseFrame(human, frontal));
    const turned = onlyFace(await analyseFrame(human, await tiltedPrint(frontal, 25, 0)));
    // Turning the paper does not turn the face: no turn step can be faked this way …
    expect(Math.abs(turned.yaw - straight.yaw)).toBeLessThan(10);
    // … and the landmark motion is planar.
    const points = (f: FaceObservation) => (f.landmarks ?? []).map(([x, y]) => [x, y] as const);
    expect(planarResidual(points(straight), points(turned))).toBeLessThan(PARALLAX_FLAT_RESIDUAL + 0.01);
  });
});
