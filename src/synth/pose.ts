// Head poses and the rotations they stand for, in image axes: x right, y down, z away from the camera.
import type { ChallengeMove } from '../engine/types.js';

export type Vec3 = [number, number, number];
/** Row-major 3×3 matrix. */
export type Mat3 = [number, number, number, number, number, number, number, number, number];

/**
 * Degrees, in the subject's frame: yaw > 0 when the subject turned to their own left (the nose moves toward
 * the raw image's right edge), pitch > 0 when they look up, roll > 0 when the head leans clockwise in the image.
 */
export interface HeadPose {
  yaw: number;
  pitch: number;
  roll: number;
}

export const FRONTAL: HeadPose = { yaw: 0, pitch: 0, roll: 0 };

const RAD = Math.PI / 180;

export function mat3Multiply(a: Mat3, b: Mat3): Mat3 {
  const out = new Array<number>(9).fill(0) as Mat3;
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) {
      out[r * 3 + c] =
        (a[r * 3] ?? 0) * (b[c] ?? 0) + (a[r * 3 + 1] ?? 0) * (b[3 + c] ?? 0) + (a[r * 3 + 2] ?? 0) * (b[6 + c] ?? 0);
    }
  }
  return out;
}

export function mat3Transpose(m: Mat3): Mat3 {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

export function mat3Apply(m: Mat3, v: Vec3): Vec3 {
  return [
    m[0] * v[0] + m[1] * v[1] + m[2] * v[2],
    m[3] * v[0] + m[4] * v[1] + m[5] * v[2],
    m[6] * v[0] + m[7] * v[1] + m[8] * v[2],
  ];
}

export function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

export function scale(a: Vec3, s: number): Vec3 {
  return [a[0] * s, a[1] * s, a[2] * s];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function normalize(a: Vec3): Vec3 {
  const length = Math.hypot(a[0], a[1], a[2]);
  return length > 0 ? [a[0] / length, a[1] / length, a[2] / length] : [0, 0, 0];
}

/** Rotation that takes a head at rest (facing the camera) to `pose`: yaw about the vertical, then pitch, then roll. */
export function poseRotation(pose: HeadPose): Mat3 {
  const y = pose.yaw * RAD;
  const p = pose.pitch * RAD;
  const r = pose.roll * RAD;
  const [cy, sy, cp, sp, cr, sr] = [Math.cos(y), Math.sin(y), Math.cos(p), Math.sin(p), Math.cos(r), Math.sin(r)];
  const yaw: Mat3 = [cy, 0, -sy, 0, 1, 0, sy, 0, cy];
  const pitch: Mat3 = [1, 0, 0, 0, cp, sp, 0, -sp, cp];
  const roll: Mat3 = [cr, -sr, 0, sr, cr, 0, 0, 0, 1];
  return mat3Multiply(yaw, mat3Multiply(pitch, roll));
}

/** The pose a rotation (columns = head axes in image axes) stands for; inverse of poseRotation for |angles| < 90°. */
export function poseFromRotation(m: Mat3): HeadPose {
  // Columns: head x (toward image right), y (down), z (toward the back of the head).
  const back: Vec3 = [m[2], m[5], m[8]];
  const yaw = Math.atan2(-back[0], back[2]);
  const pitch = Math.atan2(back[1], Math.hypot(back[0], back[2]));
  const unYawPitch = mat3Transpose(poseRotation({ yaw: yaw / RAD, pitch: pitch / RAD, roll: 0 }));
  const rollOnly = mat3Multiply(unYawPitch, m);
  return { yaw: yaw / RAD, pitch: pitch / RAD, roll: Math.atan2(rollOnly[3], rollOnly[0]) / RAD };
}

/** The pose a move asks for, at full amplitude (degrees). */
export function moveTarget(move: ChallengeMove, yawAmplitude: number, pitchAmplitude: number): HeadPose {
  switch (move) {
    case 'turn_left':
      return { yaw: yawAmplitude, pitch: 0, roll: 0 };
    case 'turn_right':
      return { yaw: -yawAmplitude, pitch: 0, roll: 0 };
    case 'look_up':
      return { yaw: 0, pitch: pitchAmplitude, roll: 0 };
    case 'look_down':
      return { yaw: 0, pitch: -pitchAmplitude, roll: 0 };
  }
}

export function oppositeMove(move: ChallengeMove): ChallengeMove {
  switch (move) {
    case 'turn_left':
      return 'turn_right';
    case 'turn_right':
      return 'turn_left';
    case 'look_up':
      return 'look_down';
    case 'look_down':
      return 'look_up';
  }
}
