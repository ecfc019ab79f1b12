// A rigid rectangle held in front of the camera (a printed photo, a phone or monitor): corners from a pose.
import { LIGHT_DIRECTION } from '../head-model.js';
import { dot, mat3Apply, poseRotation, type HeadPose, type Vec3 } from '../pose.js';

export interface CardPlacement {
  /** Centre of the card, world units. */
  centre: Vec3;
  halfWidth: number;
  halfHeight: number;
  /** Orientation; a card at rest faces the camera. yaw > 0 turns its face toward the image's right. */
  pose: HeadPose;
}

/** World corners: top-left, top-right, bottom-right, bottom-left. */
export function cardCorners(card: CardPlacement): Vec3[] {
  const rotation = poseRotation(card.pose);
  const local: Vec3[] = [
    [-card.halfWidth, -card.halfHeight, 0],
    [card.halfWidth, -card.halfHeight, 0],
    [card.halfWidth, card.halfHeight, 0],
    [-card.halfWidth, card.halfHeight, 0],
  ];
  return local.map((p) => {
    const r = mat3Apply(rotation, p);
    return [card.centre[0] + r[0], card.centre[1] + r[1], card.centre[2] + r[2]];
  });
}

/** Brightness of the card's face under the key light, relative to facing the camera (1). */
export function cardBrightness(pose: HeadPose): number {
  const normal = mat3Apply(poseRotation(pose), [0, 0, -1]);
  const rest = -LIGHT_DIRECTION[2];
  return 0.75 + (0.25 * Math.max(0, dot(normal, LIGHT_DIRECTION))) / rest;
}
