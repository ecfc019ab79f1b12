// When to ask for what during one attempt. The page only guides: the server verifies each move
// from the head pose over time, so timing here is generous rather than exact.
import type { ChallengeMove } from '../../engine/types.js';

export interface ChoreographyTiming {
  /** Shortest opening phase looking straight at the camera (the protocol's ~1.5 s). */
  frontalMinMs: number;
  /**
   * Give up when this much capture time's worth of opening frames came back from the server
   * without one usable face. Counted in answered frames, not wall time, so that a slow server
   * does not make the page give up on a person who is doing everything right.
   */
  frontalUnusableMs: number;
  /** Give up in any case after this long in the opening phase (the server takes 300 frames an attempt). */
  frontalMaxMs: number;
  /** Turning to the asked side and holding there. */
  turnMs: number;
  /** Coming back to face the camera. */
  backMs: number;
}

export const DEFAULT_TIMING: ChoreographyTiming = { frontalMinMs: 1500, frontalUnusableMs: 12_000, frontalMaxMs: 40_000, turnMs: 1400, backMs: 800 };

/** What the server said so far about the opening frames. */
export interface FaceProgress {
  /** The latest answer found one usable face. */
  ready: boolean;
  /** Opening frames answered without a usable face. */
  unusable: number;
}

export type Phase =
  | { kind: 'frontal'; step: -1 }
  | { kind: 'turn' | 'back'; step: number; move: ChallengeMove }
  | { kind: 'done'; step: number }
  | { kind: 'no_face'; step: -1 };

export class Choreography {
  private movesFrom: number | undefined;

  constructor(
    private readonly steps: readonly ChallengeMove[],
    private readonly intervalMs: number,
    private readonly timing: ChoreographyTiming = DEFAULT_TIMING,
  ) {}

  /**
   * The phase at `elapsed` ms since the attempt began. The moves begin only once the server's
   * latest feedback found one usable face.
   */
  at(elapsed: number, face: FaceProgress): Phase {
    const { frontalMinMs, frontalUnusableMs, frontalMaxMs, turnMs, backMs } = this.timing;
    if (this.movesFrom === undefined) {
      if (elapsed >= frontalMinMs && face.ready) this.movesFrom = elapsed;
      else if (face.unusable * this.intervalMs >= frontalUnusableMs || elapsed >= frontalMaxMs) return { kind: 'no_face', step: -1 };
      else return { kind: 'frontal', step: -1 };
    }
    const intoMoves = elapsed - this.movesFrom;
    const stepMs = turnMs + backMs;
    const index = Math.floor(intoMoves / stepMs);
    const move = this.steps[index];
    if (move === undefined) return { kind: 'done', step: this.steps.length - 1 };
    return { kind: intoMoves - index * stepMs < turnMs ? 'turn' : 'back', step: index, move };
  }
}
