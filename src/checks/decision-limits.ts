// The bars the engine held a check's signals to, kept with its result: the engine is retuned over time,
// and a reviewer reading an old case must see the bar that case was decided against, not today's.
import { IDENTITY_MIN_SIMILARITY, IDENTITY_TURNED_MIN_SIMILARITY, PARALLAX_FLAT } from '../engine/decide.js';

export interface DecisionLimits {
  /** `identitySimilarity` below this failed the check as identity_changed. */
  identity_min: number;
  /** A turned frame's raw similarity that the engine counted as `identity_min` (pose allowed for). */
  identity_turned_min: number;
  /** `parallax` below this is reported as flat_surface. */
  parallax_flat_below: number;
}

/** The engine's bars now: stored with each new decision, and assumed for results stored before they were. */
export function currentDecisionLimits(): DecisionLimits {
  return { identity_min: IDENTITY_MIN_SIMILARITY, identity_turned_min: IDENTITY_TURNED_MIN_SIMILARITY, parallax_flat_below: PARALLAX_FLAT };
}
