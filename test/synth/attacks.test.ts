// Attack sessions look like what they claim, to the real face models: a tilted print moves as one plane,
// the background alone has no face, a second head is a second face, a replay performs another challenge,
// a face swap changes who is seen.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Human } from '../../src/engine/human.js';
import type { ChallengeMove } from '../../src/engine/types.js';
import { loadFaceDetector, loadFaceSource, type FaceSource } from '../../src/synth/face-source.js';
import { generateSession } from '../../src/synth/session.js';
import { observe, similarity, subjectAngles, type SeenFrame } from './observe.js';
import { PARALLAX_LANDMARKS, planarResidual } from './planar.js';

let human: Human;
let hopper: FaceSource;
let other: FaceSource;

beforeAll(async () => {
  human = await loadFaceDetector();
  hopper = await loadFaceSource(human, 'hopper');
  other = await loadFaceSource(human, 'sample6-1');
});

/** Largest departure from one plane of landmark motion, from the first opening frame to any later one. */
function parallax(seen: readonly SeenFrame[]): number {
  const points = (frame: SeenFrame) =>
    PARALLAX_LANDMARKS.map((i) => {
      const p = frame.faces[0]?.mesh[i] ?? [0, 0, 0];
      return [p[0], p[1]] as const;
    });
  const single = seen.filter((f) => f.faces.length === 1);
  const first = single[0];
  if (!first) return 0;
  return Math.max(...single.map((f) => planarResidual(points(first), points(f))));
}

const steps: ChallengeMove[] = ['turn_left', 'look_up'];

describe('print attacks', () => {
  it('print_tilted is a face that tilts as a flat card: no parallax, unlike a head', async () => {
    const [print, head] = await Promise.all([
      generateSession({ face: hopper, challenge: { steps: ['turn_left'] }, species: 'print_tilted', seed: 4, fps: 4 }),
      generateSession({ face: hopper, challenge: { steps: ['turn_left'] }, species: 'bona_fide', seed: 4, fps: 4 }),
    ]);
    const seenPrint = await observe(human, print.frames);
    const seenHead = await observe(human, head.frames);
    expect(seenPrint.filter((f) => f.faces.length === 1).length).toBeGreaterThanOrEqual(0.9 * seenPrint.length);
    const flat = parallax(seenPrint);
    const solid = parallax(seenHead);
    expect(flat).toBeLessThan(0.06);
    expect(solid).toBeGreaterThan(0.12);
    expect(solid).toBeGreaterThan(3 * flat);
    // The card's outline changes as it tilts (a homography), yet the models see no head turn.
    const yaws = seenPrint.flatMap((f) => f.faces.map((face) => subjectAngles(face).yaw));
    expect(Math.max(...yaws.map(Math.abs))).toBeLessThan(10);
  });

  it('print_still stays put: face found, barely moving', async () => {
    const session = await generateSession({ face: hopper, challenge: { steps: ['turn_right'] }, species: 'print_still', seed: 5, fps: 3 });
    const seen = await observe(human, session.frames);
    expect(seen.every((f) => f.faces.length === 1)).toBe(true);
    const xs = seen.map((f) => f.faces[0]?.box[0] ?? 0);
    expect(Math.max(...xs) - Math.min(...xs)).toBeLessThan(40);
  });
});

describe('scene attacks', () => {
  it('no_face has no face in any frame', async () => {
    const session = await generateSession({ face: hopper, challenge: { steps: ['look_down'] }, species: 'no_face', seed: 6, fps: 3 });
    const seen = await observe(human, session.frames);
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.every((f) => f.faces.length === 0)).toBe(true);
  });

  it('multiple_faces shows two faces', async () => {
    const session = await generateSession({ face: hopper, otherFace: other, challenge: { steps: ['turn_left'] }, species: 'multiple_faces', seed: 7, fps: 3 });
    const seen = await observe(human, session.frames);
    expect(seen.filter((f) => f.faces.length === 2).length).toBeGreaterThanOrEqual(0.9 * seen.length);
  });
});

describe('replays and swaps', () => {
  it('replay_screen and replay_injected perform another challenge on the asked timeline', async () => {
    const [screen, injected] = await Promise.all([
      generateSession({ face: hopper, challenge: { steps }, species: 'replay_screen', seed: 8, fps: 3 }),
      generateSession({ face: hopper, challenge: { steps }, species: 'replay_injected', seed: 8, fps: 3 }),
    ]);
    for (const session of [screen, injected]) {
      session.performed.forEach((move, i) => expect(move).not.toBe(steps[i]));
      expect(session.frames.map((f) => f.step)).toContain(steps.length - 1);
    }
    expect(injected.performed).toEqual(screen.performed);
    const seen = await observe(human, screen.frames);
    expect(seen.filter((f) => f.faces.length === 1).length).toBeGreaterThanOrEqual(0.9 * seen.length);
    // Step 0 asked turn_left; the replay does something else then, so no clear left turn shows.
    const leftward = seen.filter((f) => f.step === 0).flatMap((f) => f.faces.map((face) => subjectAngles(face).yaw));
    expect(Math.max(...leftward)).toBeLessThan(12);
  });

  it('face_swap changes who is seen from the swap step onward', async () => {
    const session = await generateSession({ face: hopper, otherFace: other, challenge: { steps: ['look_up', 'turn_left'] }, species: 'face_swap', seed: 9, fps: 2 });
    expect(session.swapStep).toBe(1);
    const seen = await observe(human, session.frames, { describe: true });
    const before = seen.filter((f) => f.step < 1).map((f) => f.faces[0]?.embedding ?? []);
    const after = seen.filter((f) => f.step >= 1).map((f) => f.faces[0]?.embedding ?? []);
    const same = similarity(before[0] ?? [], before.at(-1) ?? []);
    const swapped = Math.max(...after.map((e) => similarity(before[0] ?? [], e)));
    expect(same).toBeGreaterThan(swapped + 0.15);
  });
});
