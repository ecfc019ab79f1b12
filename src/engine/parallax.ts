// The parallax signal: does the face move like a solid head or like a picture? Landmarks of the frontal
// probe and of each step's peak frame are fitted with one homography; a plane fits, a head does not.
import { type Point2, planarResidual } from './homography.js';

/**
 * Planar residual (RMS reprojection error / RMS landmark spread) at or below which motion looks flat.
 * Measured with the real models on a 640×480 portrait: the same photo re-detected after a shift 0.013–0.021,
 * the photo as a print tilted 20° 0.026 (tilted 35–50°: 0.044–0.047, but the mesh then still reads the face
 * as frontal within 5°, so no turn step passes).
 */
export const PARALLAX_FLAT_RESIDUAL = 0.022;
/** Residual at or above which motion is fully head-like. The same portrait's 3D mesh landmarks rotated
 * rigidly give 0.039 at 15° yaw, 0.052 at 20°, 0.082 at 30°, and 0.059 at 15° pitch. */
export const PARALLAX_HEAD_RESIDUAL = 0.045;

/** 0..1 for one pair of views: 0 = explained by a plane, 1 = clearly three-dimensional. */
export function parallaxScore(frontal: ReadonlyArray<readonly number[]>, turned: ReadonlyArray<readonly number[]>): number {
  const residual = planarResidual(toPoints(frontal), toPoints(turned));
  if (!Number.isFinite(residual)) return 0;
  return clamp01((residual - PARALLAX_FLAT_RESIDUAL) / (PARALLAX_HEAD_RESIDUAL - PARALLAX_FLAT_RESIDUAL));
}

/** The session's parallax: the median over the step peaks (one odd frame neither makes nor breaks it). */
export function sessionParallax(
  frontal: ReadonlyArray<readonly number[]> | undefined,
  turnedViews: ReadonlyArray<ReadonlyArray<readonly number[]> | undefined>,
): number {
  if (!frontal) return 0;
  const scores = turnedViews
    .filter((view): view is ReadonlyArray<readonly number[]> => view !== undefined && view.length === frontal.length)
    .map((view) => parallaxScore(frontal, view))
    .sort((a, b) => a - b);
  if (scores.length === 0) return 0;
  const mid = scores.length >> 1;
  return scores.length % 2 === 1 ? (scores[mid] ?? 0) : ((scores[mid - 1] ?? 0) + (scores[mid] ?? 0)) / 2;
}

function toPoints(landmarks: ReadonlyArray<readonly number[]>): Point2[] {
  return landmarks.map((p) => [p[0] ?? 0, p[1] ?? 0] as const);
}

function clamp01(v: number): number {
  return Math.min(1, Math.max(0, v));
}
