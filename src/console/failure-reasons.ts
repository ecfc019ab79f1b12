// Failure reasons in words a support agent can read to the person who was rejected.
import type { FailureReason } from '../engine/types.js';

const EXPLANATIONS: Record<FailureReason, string> = {
  no_face: 'No face was found in enough of the pictures.',
  multiple_faces: 'More than one face was in the picture for too long.',
  face_too_small: 'The face was too far from the camera.',
  too_dark: 'The pictures were too dark to see the face.',
  too_blurred: 'The pictures were too blurred to see the face clearly.',
  moved_out_of_frame: 'The face left the picture before the movements were done.',
  step_not_done: 'Not every head movement that was asked for was done.',
  wrong_direction: 'The head moved in another direction than the one asked for.',
  identity_changed: 'The face changed during the check: it did not look like the same person throughout.',
  flat_surface: 'The face moved like a flat picture (a printed photo or a screen), not like a head.',
  timed_out: 'The check took too long.',
  too_few_frames: 'Too few pictures arrived to decide.',
  capture_abandoned: 'The capture was started but never finished before the link expired.',
  analysis_error: 'The analysis failed on the server; the person was not at fault.',
};

export function explainFailure(reason: string | undefined): string | undefined {
  if (reason === undefined) return undefined;
  return (EXPLANATIONS as Record<string, string>)[reason] ?? `Not passed (${reason}).`;
}

/** A complete check whose confidence fell below its threshold without a named reason. */
export const BELOW_THRESHOLD = 'The confidence was below the threshold set for this check.';
