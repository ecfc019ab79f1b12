// Identity across a session: the descriptor drifts as the head turns (the same person at 25° is less
// like their frontal self), which must not read as another person; a stranger must, turned or not.
import { describe, expect, it } from 'vitest';
import { IDENTITY_MIN_SIMILARITY, IDENTITY_TURNED_MIN_SIMILARITY, decideLiveness } from '../../src/engine/decide.js';
import type { ChallengeMove, LivenessDecision } from '../../src/engine/types.js';
import { ALICE, BOB, person, session } from './helpers/sessions.js';

const FOUR: ChallengeMove[] = ['turn_left', 'look_up', 'turn_right', 'look_down'];
/** session()'s per-move amounts: frames 1–8 of each 14 are away from frontal (amount ≥ 0.5). */
const MOVE_FRAMES = 14;
const OPENING_FRAMES = 10;
const turned = (i: number): boolean => i >= OPENING_FRAMES && [1, 2, 3, 4, 5, 6, 7, 8].includes((i - OPENING_FRAMES) % MOVE_FRAMES);

function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  a.forEach((x, i) => {
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  });
  return dot / Math.sqrt(na * nb);
}

/** ALICE moved toward another descriptor until the cosine to ALICE is about `target`. */
function drifted(target: number, toward: number[]): number[] {
  let best = ALICE;
  for (let w = 0; w <= 1; w += 0.005) {
    const mix = ALICE.map((v, k) => (1 - w) * v + w * (toward[k] ?? 0));
    if (Math.abs(cosine(mix, ALICE) - target) < Math.abs(cosine(best, ALICE) - target)) best = mix;
  }
  return best;
}

function outcome(decision: LivenessDecision): { reason: string | undefined; confidence: number; identity: number } {
  if (decision.outcome !== 'complete') throw new Error(`expected a complete decision, got ${decision.failureReason}`);
  return { reason: decision.failureReason, confidence: decision.confidence, identity: decision.signals.identitySimilarity };
}

describe('identity consistency with pose', () => {
  it('the same person whose turned frames drift to 0.62 (as measured at 25–30°) passes', () => {
    const turnedAlice = drifted(0.62, person(99));
    expect(cosine(turnedAlice, ALICE)).toBeGreaterThan(0.6);
    expect(cosine(turnedAlice, ALICE)).toBeLessThan(IDENTITY_MIN_SIMILARITY);
    const frames = session({ performed: FOUR, face: (i) => (turned(i) ? turnedAlice : ALICE) });
    const result = outcome(decideLiveness(frames, { steps: FOUR }));
    expect(result.reason).toBeUndefined();
    expect(result.confidence).toBeGreaterThan(0.5);
    expect(result.identity).toBeGreaterThanOrEqual(IDENTITY_MIN_SIMILARITY);
  });

  it('a stranger in the turned frames only fails with identity_changed', () => {
    expect(cosine(BOB, ALICE)).toBeLessThan(IDENTITY_TURNED_MIN_SIMILARITY);
    const frames = session({ performed: FOUR, face: (i) => (turned(i) ? BOB : ALICE) });
    const result = outcome(decideLiveness(frames, { steps: FOUR }));
    expect(result.reason).toBe('identity_changed');
    expect(result.confidence).toBeLessThan(0.1);
  });

  it('a near-frontal frame is held to the frontal bar: a 0.62 frontal frame is another person', () => {
    const lookalike = drifted(0.62, BOB);
    // Frame 3 is in the frontal opening.
    const frames = session({ performed: FOUR, face: (i) => (i === 3 ? lookalike : ALICE) });
    expect(outcome(decideLiveness(frames, { steps: FOUR })).reason).toBe('identity_changed');
  });

  it('a stranger from a step onward (the face_swap attack) fails even though most of their frames are turned', () => {
    const frames = session({ performed: FOUR, face: (i) => (i >= OPENING_FRAMES + 2 * MOVE_FRAMES ? drifted(0.6, BOB) : ALICE) });
    expect(outcome(decideLiveness(frames, { steps: FOUR })).reason).toBe('identity_changed');
  });
});
