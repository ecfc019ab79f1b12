// The random head-movement challenge. With 4 steps and no immediate repeats there are 4·3·3·3 = 108
// sequences, so a recording of another session matches this one's challenge by chance 1 time in 108.
import { randomInt } from 'node:crypto';
import { CHALLENGE_MOVES, type Challenge, type ChallengeMove } from '../engine/types.js';

export const CHALLENGE_STEPS = 4;

export function drawChallenge(steps: number = CHALLENGE_STEPS): Challenge {
  const drawn: ChallengeMove[] = [];
  while (drawn.length < steps) {
    const candidates = CHALLENGE_MOVES.filter((m) => m !== drawn[drawn.length - 1]);
    const move = candidates[randomInt(candidates.length)];
    if (move === undefined) throw new Error('no challenge move to draw');
    drawn.push(move);
  }
  return { steps: drawn };
}

/** How many distinct challenges of `steps` moves can be drawn. */
export function challengeSpace(steps: number = CHALLENGE_STEPS): number {
  return CHALLENGE_MOVES.length * (CHALLENGE_MOVES.length - 1) ** (steps - 1);
}
