// Genuine sessions, checked by the real face models: one face throughout, and the head pose Human
// estimates follows each asked move with the right sign. Also: the same seed gives the same bytes.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Human } from '../../src/engine/human.js';
import type { ChallengeMove } from '../../src/engine/types.js';
import { loadFaceDetector, loadFaceSource, type FaceSource } from '../../src/synth/face-source.js';
import { generateSession } from '../../src/synth/session.js';
import { observe, subjectAngles, type SeenFrame } from './observe.js';

let human: Human;
let hopper: FaceSource;
let other: FaceSource;

beforeAll(async () => {
  human = await loadFaceDetector();
  hopper = await loadFaceSource(human, 'hopper');
  other = await loadFaceSource(human, 'sample6-1');
});

/** Per step, the furthest the head went toward the asked direction, relative to the opening frontal phase. */
function peaks(seen: readonly SeenFrame[], steps: readonly ChallengeMove[]): Array<{ move: ChallengeMove; toward: number; against: number }> {
  const single = seen.filter((f) => f.faces.length === 1);
  const angles = (step: number) =>
    single.filter((f) => f.step === step).map((f) => subjectAngles(f.faces[0] ?? { yaw: 0, pitch: 0, roll: 0, score: 0, box: [0, 0, 0, 0], mesh: [], embedding: [] }));
  const opening = angles(-1);
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const base = { yaw: median(opening.map((a) => a.yaw)), pitch: median(opening.map((a) => a.pitch)) };
  return steps.map((move, step) => {
    const axis = move === 'turn_left' || move === 'turn_right' ? 'yaw' : 'pitch';
    const sign = move === 'turn_left' || move === 'look_up' ? 1 : -1;
    const relative = angles(step).map((a) => sign * (a[axis] - base[axis]));
    return { move, toward: Math.max(...relative), against: -Math.min(...relative) };
  });
}

describe('bona fide sessions', () => {
  it('are the same bytes for the same seed and differ for another seed', async () => {
    const make = (seed: number) => generateSession({ face: hopper, challenge: { steps: ['turn_left'] }, species: 'bona_fide', seed, fps: 4 });
    const [a, b, c] = await Promise.all([make(5), make(5), make(6)]);
    expect(a.frames.map((f) => f.t)).toEqual(b.frames.map((f) => f.t));
    expect(a.frames.every((f, i) => f.jpeg.equals(b.frames[i]?.jpeg ?? Buffer.alloc(0)))).toBe(true);
    expect(a.frames.some((f, i) => !f.jpeg.equals(c.frames[i]?.jpeg ?? Buffer.alloc(0)))).toBe(true);
  });

  it('show one face that turns and nods the asked way, by the models\' own pose estimate', async () => {
    const steps: ChallengeMove[] = ['turn_left', 'look_up', 'turn_right', 'look_down'];
    const session = await generateSession({ face: hopper, challenge: { steps }, species: 'bona_fide', seed: 1, fps: 4 });
    expect(session.frames[0]?.step).toBe(-1);
    expect(session.frames.at(-1)?.step).toBe(steps.length - 1);
    const seen = await observe(human, session.frames);
    expect(seen.filter((f) => f.faces.length === 1).length).toBeGreaterThanOrEqual(0.95 * seen.length);
    for (const peak of peaks(seen, steps)) {
      expect(peak.toward, `${peak.move} reaches the asked direction`).toBeGreaterThan(12);
      expect(peak.against, `${peak.move} does not go the other way`).toBeLessThan(6);
    }
  });

  it('work for another person, photographed turned a little, in another scene', async () => {
    const steps: ChallengeMove[] = ['turn_right', 'look_down'];
    const session = await generateSession({ face: other, challenge: { steps }, species: 'bona_fide', seed: 2, fps: 3 });
    const seen = await observe(human, session.frames);
    expect(seen.filter((f) => f.faces.length === 1).length).toBeGreaterThanOrEqual(0.9 * seen.length);
    for (const peak of peaks(seen, steps)) expect(peak.toward, peak.move).toBeGreaterThan(10);
  });

  it('wrong_direction does the opposite of every asked move', async () => {
    const steps: ChallengeMove[] = ['turn_left', 'look_down'];
    const session = await generateSession({ face: hopper, challenge: { steps }, species: 'wrong_direction', seed: 3, fps: 3 });
    expect(session.performed).toEqual(['turn_right', 'look_up']);
    const seen = await observe(human, session.frames);
    for (const peak of peaks(seen, steps)) {
      expect(peak.against, `${peak.move} goes the other way`).toBeGreaterThan(12);
      expect(peak.toward, `${peak.move} never goes the asked way`).toBeLessThan(6);
    }
  });
});
