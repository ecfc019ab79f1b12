// What the sandbox can make a test check do, and how each failure reason ends in the real service:
// some refuse the capture before any decision (status failed), others are decisions that did not
// pass (status complete, passed false). The sandbox mirrors that split so clients see real shapes.
import type { FailureReason } from '../engine/types.js';

export type SimulatedOutcome = 'passed' | 'failed' | 'in_progress' | 'expired';

export const SIMULATED_OUTCOMES: readonly SimulatedOutcome[] = ['passed', 'failed', 'in_progress', 'expired'];

/**
 * Every failure reason the engine and the service produce, with how the real service ends the check.
 * A Record over FailureReason, so a reason added to the engine fails to compile here until placed.
 */
const ENDING: Record<FailureReason, 'refused' | 'decided'> = {
  no_face: 'refused',
  multiple_faces: 'refused',
  face_too_small: 'refused',
  too_dark: 'refused',
  too_blurred: 'refused',
  too_few_frames: 'refused',
  timed_out: 'refused',
  capture_abandoned: 'refused',
  analysis_error: 'refused',
  moved_out_of_frame: 'decided',
  step_not_done: 'decided',
  wrong_direction: 'decided',
  identity_changed: 'decided',
  flat_surface: 'decided',
};

export const SIMULATED_FAILURE_REASONS = Object.keys(ENDING) as FailureReason[];

/** The most common real failure: a move that was asked for was not done. */
export const DEFAULT_FAILURE_REASON: FailureReason = 'step_not_done';

/** `refused`: status failed, confidence 0, no box or images. `decided`: status complete, passed false. */
export function endingOf(reason: FailureReason): 'refused' | 'decided' {
  return ENDING[reason];
}

export function isFailureReason(value: string): value is FailureReason {
  return Object.hasOwn(ENDING, value);
}

export interface SimulationRequest {
  outcome: SimulatedOutcome;
  failure_reason?: FailureReason;
}
