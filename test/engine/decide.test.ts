import { describe, expect, it } from 'vitest';
import {
  FAILED_CHALLENGE_CAP,
  MIN_FRAMES,
  decideLiveness,
} from '../../src/engine/decide.js';
import { LOOK_PITCH_DEG, TURN_YAW_DEG } from '../../src/engine/challenge-steps.js';
import type { AnalysedFrame, Challenge, ChallengeMove, LivenessDecision } from '../../src/engine/types.js';
import { ALICE, BOB, observation, session } from './helpers/sessions.js';

const FOUR: ChallengeMove[] = ['turn_left', 'look_up', 'turn_right', 'look_down'];
const challenge = (steps: ChallengeMove[]): Challenge => ({ steps });

type Complete = Extract<LivenessDecision, { outcome: 'complete' }>;

function complete(decision: LivenessDecision): Complete {
  if (decision.outcome !== 'complete') throw new Error(`expected a complete decision, got failed: ${decision.failureReason}`);
  return decision;
}

function failedWith(decision: LivenessDecision): string {
  if (decision.outcome !== 'failed') throw new Error(`expected a failed decision, got confidence ${decision.confidence}`);
  return decision.failureReason;
}

describe('decideLiveness: a genuine session', () => {
  it('passes with high confidence when every step is done in order by a solid head', () => {
    const frames = session({ performed: FOUR });
    const decision = complete(decideLiveness(frames, challenge(FOUR), { auditImages: 3 }));
    expect(decision.confidence).toBeGreaterThan(0.85);
    expect(decision.failureReason).toBeUndefined();
    expect(decision.signals.steps.map((s) => s.done)).toEqual([true, true, true, true]);
    for (const step of decision.signals.steps) {
      const threshold = step.move.startsWith('turn') ? TURN_YAW_DEG : LOOK_PITCH_DEG;
      expect(step.peakAngle).toBeGreaterThan(threshold);
    }
    expect(decision.signals.identitySimilarity).toBeGreaterThan(0.95);
    expect(decision.signals.parallax).toBeGreaterThan(0.8);
    expect(decision.signals.passiveReal).toBeCloseTo(0.9);
    // The probe is frontal and its box is reported.
    const probe = frames[decision.probeFrame]?.observation.faces[0];
    expect(Math.abs(probe?.yaw ?? 99)).toBeLessThan(6);
    expect(decision.boundingBox).toEqual(probe?.box);
  });

  it('passes when the camera sees "frontal" off-axis (the baseline comes from the opening phase)', () => {
    const frames = session({ performed: FOUR, offset: { yaw: 12, pitch: -9 } });
    expect(complete(decideLiveness(frames, challenge(FOUR))).confidence).toBeGreaterThan(0.85);
  });

  it('tolerates redoing the step just done, and ignores movements after the last step', () => {
    const redo = session({ performed: ['turn_left', 'turn_left', 'look_up'] });
    expect(complete(decideLiveness(redo, challenge(['turn_left', 'look_up']))).confidence).toBeGreaterThan(0.85);
    const after = session({ performed: ['turn_left', 'look_up', 'look_down'] });
    expect(complete(decideLiveness(after, challenge(['turn_left', 'look_up']))).failureReason).toBeUndefined();
  });

  it('ignores a one-frame pose glitch', () => {
    const frames = session({ performed: ['turn_left', 'look_up'] });
    const glitch = frames[5]?.observation.faces[0];
    if (glitch) glitch.yaw = -40;
    expect(complete(decideLiveness(frames, challenge(['turn_left', 'look_up']))).failureReason).toBeUndefined();
  });

  it('is deterministic and does not modify its input', () => {
    const frames = session({ performed: FOUR });
    const copy = structuredClone(frames);
    const a = decideLiveness(frames, challenge(FOUR), { auditImages: 2 });
    const b = decideLiveness(frames, challenge(FOUR), { auditImages: 2 });
    expect(a).toEqual(b);
    expect(frames).toEqual(copy);
  });
});

describe('decideLiveness: audit frames', () => {
  const frames = session({ performed: FOUR });

  it('returns as many as asked, spread over the session, in time order, probe excluded', () => {
    const decision = complete(decideLiveness(frames, challenge(FOUR), { auditImages: 4 }));
    expect(decision.auditFrames).toHaveLength(4);
    expect(new Set(decision.auditFrames).size).toBe(4);
    expect(decision.auditFrames).not.toContain(decision.probeFrame);
    const times = decision.auditFrames.map((i) => frames[i]?.t ?? -1);
    expect([...times].sort((x, y) => x - y)).toEqual(times);
    // One per step: each audit frame shows a movement.
    const steps = decision.auditFrames.map((i) => frames[i]?.step);
    expect(steps).toEqual([0, 1, 2, 3]);
  });

  it('fills beyond the step peaks with evenly spaced frames, and returns none when none are asked', () => {
    const decision = complete(decideLiveness(frames, challenge(FOUR), { auditImages: 8 }));
    expect(decision.auditFrames).toHaveLength(8);
    expect(new Set(decision.auditFrames).size).toBe(8);
    expect(complete(decideLiveness(frames, challenge(FOUR))).auditFrames).toEqual([]);
  });
});

describe('decideLiveness: attacks and mistakes', () => {
  it('a static photo (no movement, even with step tags claiming progress) fails with step_not_done', () => {
    const frames = session({ performed: [], taggedSteps: 4 });
    // The client claims the steps: tag the later frames as steps 0..3 while the face never moves.
    frames.forEach((frame, i) => {
      frame.step = i < 4 ? -1 : Math.min(3, Math.floor((i - 4) / 2));
    });
    const decision = complete(decideLiveness(frames, challenge(FOUR)));
    expect(decision.failureReason).toBe('step_not_done');
    expect(decision.confidence).toBeLessThan(0.1);
  });

  it('steps in the wrong order fail with wrong_direction', () => {
    const frames = session({ performed: ['look_up', 'turn_left', 'turn_right', 'look_down'] });
    const decision = complete(decideLiveness(frames, challenge(FOUR)));
    expect(decision.failureReason).toBe('wrong_direction');
    expect(decision.confidence).toBeLessThan(0.1);
  });

  it('a turn the wrong way fails with wrong_direction, after the steps already done', () => {
    const frames = session({ performed: ['turn_left', 'look_down'] });
    const decision = complete(decideLiveness(frames, challenge(['turn_left', 'look_up'])));
    expect(decision.failureReason).toBe('wrong_direction');
    expect(decision.signals.steps.map((s) => s.done)).toEqual([true, false]);
    expect(decision.confidence).toBeLessThanOrEqual(FAILED_CHALLENGE_CAP / 2);
  });

  it('an unfinished challenge fails with step_not_done and partial credit only', () => {
    const frames = session({ performed: ['turn_left', 'look_up'] });
    const decision = complete(decideLiveness(frames, challenge(FOUR)));
    expect(decision.failureReason).toBe('step_not_done');
    expect(decision.confidence).toBeLessThanOrEqual(FAILED_CHALLENGE_CAP / 2);
  });

  it('moves too small to count fail with step_not_done', () => {
    const frames = session({ performed: ['turn_left', 'turn_right'], amplitude: TURN_YAW_DEG * 0.6 });
    expect(complete(decideLiveness(frames, challenge(['turn_left', 'turn_right']))).failureReason).toBe('step_not_done');
  });

  it('a face swapped in for the movements fails with identity_changed', () => {
    const frames = session({ performed: FOUR, face: (_, phase) => (phase === 'opening' ? ALICE : BOB) });
    const decision = complete(decideLiveness(frames, challenge(FOUR)));
    expect(decision.failureReason).toBe('identity_changed');
    expect(decision.signals.identitySimilarity).toBeLessThan(0.5);
    expect(decision.confidence).toBeLessThan(0.1);
  });

  it('a single swapped frame is enough to fail identity (min, not mean)', () => {
    const frames = session({ performed: FOUR, face: (i) => (i === 30 ? BOB : ALICE) });
    expect(complete(decideLiveness(frames, challenge(FOUR))).failureReason).toBe('identity_changed');
  });

  it('a flat print moved to mimic the steps stays below 0.5 (no parallax)', () => {
    const frames = session({ performed: FOUR, print: true });
    const decision = complete(decideLiveness(frames, challenge(FOUR)));
    expect(decision.signals.steps.every((s) => s.done)).toBe(true);
    expect(decision.signals.parallax).toBeLessThan(0.2);
    expect(decision.confidence).toBeLessThan(0.45);
  });

  it('weak passive scores lower the confidence but do not decide alone', () => {
    const frames = session({ performed: FOUR });
    for (const frame of frames) {
      const face = frame.observation.faces[0];
      if (face) Object.assign(face, { real: 0.1, live: 0.1 });
    }
    const confidence = complete(decideLiveness(frames, challenge(FOUR))).confidence;
    expect(confidence).toBeLessThan(0.8);
    expect(confidence).toBeGreaterThan(0.6);
  });

  it('a face lost after a step fails with moved_out_of_frame', () => {
    const frames = session({ performed: ['turn_left', 'look_up'] });
    const cut = frames.findIndex((f) => f.step === 1);
    for (const frame of frames.slice(cut)) frame.observation = observation(undefined, { feedback: 'no_face', sharpness: 20 });
    const decision = complete(decideLiveness(frames, challenge(['turn_left', 'look_up'])));
    expect(decision.failureReason).toBe('moved_out_of_frame');
  });
});

describe('decideLiveness: unusable sessions', () => {
  const base = (): AnalysedFrame[] => session({ performed: ['turn_left', 'look_up'] });

  function spoil(frames: AnalysedFrame[], every: (frame: AnalysedFrame) => void): AnalysedFrame[] {
    for (const frame of frames) every(frame);
    return frames;
  }

  it('too few frames', () => {
    expect(failedWith(decideLiveness(base().slice(0, MIN_FRAMES - 1), challenge(['turn_left'])))).toBe('too_few_frames');
    expect(failedWith(decideLiveness([], challenge(['turn_left'])))).toBe('too_few_frames');
  });

  it('no face', () => {
    const frames = spoil(base(), (f) => (f.observation = observation(undefined, { feedback: 'no_face' })));
    expect(failedWith(decideLiveness(frames, challenge(['turn_left', 'look_up'])))).toBe('no_face');
  });

  it('multiple faces in a good share of the frames', () => {
    const frames = base();
    frames.forEach((frame, i) => {
      const face = frame.observation.faces[0];
      if (face && i % 3 === 0) frame.observation.faces.push({ ...face, box: { left: 0.05, top: 0.1, width: 0.2, height: 0.25 } });
    });
    expect(failedWith(decideLiveness(frames, challenge(['turn_left', 'look_up'])))).toBe('multiple_faces');
  });

  it('but a passer-by in one frame is only skipped', () => {
    const frames = base();
    const face = frames[3]?.observation.faces[0];
    if (face) frames[3]?.observation.faces.push({ ...face, box: { left: 0.05, top: 0.1, width: 0.2, height: 0.25 } });
    expect(complete(decideLiveness(frames, challenge(['turn_left', 'look_up']))).confidence).toBeGreaterThan(0.85);
  });

  it('face too small', () => {
    const frames = spoil(base(), (f) => {
      const face = f.observation.faces[0];
      if (face) face.box = { left: 0.45, top: 0.45, width: 0.1, height: 0.12 };
    });
    expect(failedWith(decideLiveness(frames, challenge(['turn_left', 'look_up'])))).toBe('face_too_small');
  });

  it('too dark', () => {
    const frames = spoil(base(), (f) => Object.assign(f.observation, { brightness: 20, faceBrightness: 25 }));
    expect(failedWith(decideLiveness(frames, challenge(['turn_left', 'look_up'])))).toBe('too_dark');
  });

  it('too blurred', () => {
    const frames = spoil(base(), (f) => Object.assign(f.observation, { sharpness: 12 }));
    expect(failedWith(decideLiveness(frames, challenge(['turn_left', 'look_up'])))).toBe('too_blurred');
  });

  it('faces without a descriptor cannot be used', () => {
    const frames = spoil(base(), (f) => {
      const face = f.observation.faces[0];
      if (face) delete face.embedding;
    });
    expect(decideLiveness(frames, challenge(['turn_left', 'look_up'])).outcome).toBe('failed');
  });
});
