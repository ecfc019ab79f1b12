// The subset of the 468-point face mesh kept per frame: spread over the face and over depth (nose tip in
// front, cheek contour at the back), so that the parallax check can tell a head from a flat picture.
// Indices are MediaPipe Face Mesh topology; "right"/"left" are the subject's own sides.

export const FACE_LANDMARKS = {
  noseTip: 1,
  noseBottom: 2,
  noseBridge: 6,
  betweenEyes: 168,
  foreheadTop: 10,
  foreheadCentre: 151,
  foreheadRight: 109,
  foreheadLeft: 338,
  chin: 152,
  rightEyeOuter: 33,
  rightEyeInner: 133,
  leftEyeInner: 362,
  leftEyeOuter: 263,
  rightNostril: 98,
  leftNostril: 327,
  mouthRight: 61,
  mouthLeft: 291,
  upperLip: 0,
  lowerLip: 17,
  rightCheekbone: 50,
  leftCheekbone: 280,
  rightContour: 234,
  leftContour: 454,
  rightJaw: 172,
  leftJaw: 397,
} as const;

export type FaceLandmarkName = keyof typeof FACE_LANDMARKS;

/** Mesh indices in the order FaceObservation.landmarks stores them. */
export const FACE_LANDMARK_INDICES: readonly number[] = Object.values(FACE_LANDMARKS);

/** Position of a named landmark inside FaceObservation.landmarks. */
export function landmarkSlot(name: FaceLandmarkName): number {
  return FACE_LANDMARK_INDICES.indexOf(FACE_LANDMARKS[name]);
}
