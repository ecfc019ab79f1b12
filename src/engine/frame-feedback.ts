// The per-frame hint shown on the capture page, and the quality thresholds behind it. decide.ts uses
// the same thresholds to tell which frames are usable, so the page and the decision agree.
import type { FaceObservation, FrameFeedback } from './types.js';

/** Face box height as a fraction of the frame height below which the face is too small: at 640×480 that is
 * 96 px, about the least the mesh and the descriptor need; a selfie at arm's length gives 0.35–0.6. */
export const MIN_FACE_HEIGHT = 0.2;
/** Face box width or height fraction above which the face is too close: the turns would leave the frame. */
export const MAX_FACE_SIZE = 0.8;
/** Largest distance of the face centre from the frame centre, as fractions of width / height. */
export const MAX_CENTER_OFFSET_X = 0.22;
export const MAX_CENTER_OFFSET_Y = 0.25;
/** Mean luma (0..255) of the face (of the frame when there is no face) below which the frame is too dark:
 * under ~45 webcam noise dominates and the mesh jitters. */
export const MIN_BRIGHTNESS = 45;
/** Mean luma above which the face is washed out (over-exposed skin loses the texture the models use). */
export const MAX_BRIGHTNESS = 215;
/** Variance of the Laplacian of the face resampled to SHARPNESS_SAMPLE_SIZE² below which it is blurred.
 * Measured on the face-api sample faces (150–360 px): sharp 190–270 (a studio portrait 2400), the same
 * faces after a Gaussian blur of σ=2 px 20–95, σ=3 px 11–50. Webcam frames are soft, so the bar is low. */
export const MIN_SHARPNESS = 50;
/** Side of the square the face is resampled to before the Laplacian: near the scale the face models work
 * at (mesh 192 px, descriptor 224 px), and a fixed scale makes faces of any size comparable. */
export const SHARPNESS_SAMPLE_SIZE = 128;

export interface FeedbackInput {
  faces: readonly FaceObservation[];
  /** Mean luma of the whole frame. */
  brightness: number;
  /** Mean luma inside the face box, when there is exactly one face. */
  faceBrightness?: number;
  sharpness: number;
}

/** One hint, most actionable first: lighting before "no face" (a dark frame usually has no detection). */
export function frameFeedback(input: FeedbackInput): FrameFeedback {
  const face = input.faces[0];
  if (!face) {
    if (input.brightness < MIN_BRIGHTNESS) return 'too_dark';
    if (input.brightness > MAX_BRIGHTNESS) return 'too_bright';
    return 'no_face';
  }
  if (input.faces.length > 1) return 'multiple_faces';
  const { box } = face;
  if (box.height < MIN_FACE_HEIGHT) return 'face_too_small';
  if (box.height > MAX_FACE_SIZE || box.width > MAX_FACE_SIZE) return 'face_too_close';
  const offsetX = Math.abs(box.left + box.width / 2 - 0.5);
  const offsetY = Math.abs(box.top + box.height / 2 - 0.5);
  if (offsetX > MAX_CENTER_OFFSET_X || offsetY > MAX_CENTER_OFFSET_Y) return 'face_not_centered';
  const luma = input.faceBrightness ?? input.brightness;
  if (luma < MIN_BRIGHTNESS) return 'too_dark';
  if (luma > MAX_BRIGHTNESS) return 'too_bright';
  if (input.sharpness < MIN_SHARPNESS) return 'blurred';
  return 'ok';
}
