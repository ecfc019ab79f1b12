// Landmark indices of the 468-point face mesh (MediaPipe / Human) that the generator relies on.

/** The face outline, clockwise in the image from the top of the forehead; mirror pairs are i ↔ 36 − i. */
export const FACE_OVAL: readonly number[] = [
  10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377, 152, 148, 176, 149, 150, 136,
  172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
];
export const NOSE_TIP = 1;
/** Inner lip contour, corner to corner along the upper lip then back along the lower lip. */
export const INNER_LIPS: readonly number[] = [78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308, 324, 318, 402, 317, 14, 87, 178, 88, 95];
