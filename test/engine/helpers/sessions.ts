// Synthetic analysed sessions for the pure decision tests: a head (a rigid 3D landmark model) or a flat
// print performing moves over time, observed at 10 fps. Deterministic (seeded), no models involved.
import { FACE_LANDMARKS, type FaceLandmarkName } from '../../../src/engine/landmarks.js';
import type { AnalysedFrame, ChallengeMove, FaceObservation, FrameObservation } from '../../../src/engine/types.js';

/** Approximate 3D face in face-width units: x to the image right, y down, z away from the camera. */
const HEAD: Record<FaceLandmarkName, [number, number, number]> = {
  noseTip: [0, 0.05, -0.55],
  noseBottom: [0, 0.12, -0.45],
  noseBridge: [0, -0.2, -0.35],
  betweenEyes: [0, -0.3, -0.3],
  foreheadTop: [0, -0.75, -0.15],
  foreheadCentre: [0, -0.6, -0.22],
  foreheadRight: [-0.2, -0.7, -0.12],
  foreheadLeft: [0.2, -0.7, -0.12],
  chin: [0, 0.75, -0.2],
  rightEyeOuter: [-0.35, -0.25, -0.1],
  rightEyeInner: [-0.12, -0.25, -0.2],
  leftEyeInner: [0.12, -0.25, -0.2],
  leftEyeOuter: [0.35, -0.25, -0.1],
  rightNostril: [-0.1, 0.1, -0.38],
  leftNostril: [0.1, 0.1, -0.38],
  mouthRight: [-0.2, 0.35, -0.25],
  mouthLeft: [0.2, 0.35, -0.25],
  upperLip: [0, 0.3, -0.35],
  lowerLip: [0, 0.45, -0.32],
  rightCheekbone: [-0.35, 0.05, -0.2],
  leftCheekbone: [0.35, 0.05, -0.2],
  rightContour: [-0.5, -0.1, 0.15],
  leftContour: [0.5, -0.1, 0.15],
  rightJaw: [-0.4, 0.5, 0.05],
  leftJaw: [0.4, 0.5, 0.05],
};
const ORDERED = (Object.keys(FACE_LANDMARKS) as FaceLandmarkName[]).map((name) => HEAD[name]);
const FACE_WIDTH_PX = 200;

/** Small deterministic PRNG (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
}

function normalise(v: number[]): number[] {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

/** Non-negative descriptors like Human's (mean-pooled activations): two people come out near 0.35, as measured. */
export function person(seed: number, dims = 128): number[] {
  const random = seeded(seed);
  return normalise(Array.from({ length: dims }, () => gaussian(random) ** 2));
}

export const ALICE = person(1);
export const BOB = person(2);

const RAD = Math.PI / 180;

/** Landmarks of a solid head at (yaw, pitch) in the subject's convention, orthographic camera. */
export function headLandmarks(yaw: number, pitch: number, random: () => number): Array<[number, number, number]> {
  const cy = Math.cos(yaw * RAD);
  const sy = Math.sin(yaw * RAD);
  const cp = Math.cos(pitch * RAD);
  const sp = Math.sin(pitch * RAD);
  return ORDERED.map(([x, y, z]) => {
    // yaw > 0: the nose (z < 0) moves toward +x; pitch > 0: the nose moves up (−y).
    const x1 = x * cy - z * sy;
    const z1 = x * sy + z * cy;
    const y2 = y * cp + z1 * sp;
    const z2 = -y * sp + z1 * cp;
    return [320 + FACE_WIDTH_PX * x1 + 0.4 * gaussian(random), 240 + FACE_WIDTH_PX * y2 + 0.4 * gaussian(random), FACE_WIDTH_PX * z2];
  });
}

/** Landmarks of a flat print of the frontal face, turned like a card by (yaw, pitch). */
export function printLandmarks(yaw: number, pitch: number, random: () => number): Array<[number, number, number]> {
  const cy = Math.cos(yaw * RAD);
  const sy = Math.sin(yaw * RAD);
  const cp = Math.cos(pitch * RAD);
  const sp = Math.sin(pitch * RAD);
  const distance = 3; // face widths from the camera: strong perspective, the hardest case for the check
  return ORDERED.map(([x, y]) => {
    const x1 = x * cy;
    const z1 = x * sy;
    const y2 = y * cp + z1 * sp;
    const z2 = -y * sp + z1 * cp;
    const k = distance / (distance + z2);
    return [320 + FACE_WIDTH_PX * x1 * k + 0.4 * gaussian(random), 240 + FACE_WIDTH_PX * y2 * k + 0.4 * gaussian(random), 0];
  });
}

export interface SessionOptions {
  /** The moves the subject actually makes (default: the challenge). */
  performed: ChallengeMove[];
  /** How many challenge steps the client tags (default: performed.length). */
  taggedSteps?: number;
  /** Peak angle of each move, degrees. */
  amplitude?: number;
  /** Who is in front of the camera in frame i. */
  face?: (i: number, phase: 'opening' | ChallengeMove) => number[];
  /** A flat print instead of a head (landmarks lie on a plane). */
  print?: boolean;
  /** Where the camera sees "frontal" (an off-axis camera). */
  offset?: { yaw: number; pitch: number };
  seed?: number;
}

export function observation(face: Partial<FaceObservation> | undefined, overrides: Partial<FrameObservation> = {}): FrameObservation {
  const faces: FaceObservation[] = face
    ? [{ box: { left: 0.3, top: 0.25, width: 0.4, height: 0.45 }, score: 0.95, yaw: 0, pitch: 0, roll: 0, real: 0.9, live: 0.9, ...face }]
    : [];
  return { width: 640, height: 480, faces, brightness: 120, faceBrightness: 120, sharpness: 200, feedback: 'ok', inferenceMs: 50, ...overrides };
}

/** 1 s frontal opening, then per move: 0.4 s rise, 0.4 s hold, 0.4 s return, 0.2 s rest — at 10 fps. */
export function session(options: SessionOptions): AnalysedFrame[] {
  const random = seeded(options.seed ?? 7);
  const amplitude = options.amplitude ?? 26;
  const offset = options.offset ?? { yaw: 0, pitch: 0 };
  const frames: AnalysedFrame[] = [];
  const push = (step: number, phase: 'opening' | ChallengeMove, yaw: number, pitch: number): void => {
    const i = frames.length;
    const identity = options.face?.(i, phase) ?? ALICE;
    const embedding = normalise(identity.map((v) => v + 0.01 * gaussian(random)));
    const noisyYaw = yaw + offset.yaw + 1.2 * gaussian(random);
    const noisyPitch = pitch + offset.pitch + 1.2 * gaussian(random);
    const landmarks = options.print ? printLandmarks(yaw, pitch, random) : headLandmarks(yaw, pitch, random);
    frames.push({
      t: i * 100 + Math.round(random() * 10),
      step,
      observation: observation({ yaw: round(noisyYaw), pitch: round(noisyPitch), embedding, landmarks }),
    });
  };
  for (let i = 0; i < 10; i++) push(-1, 'opening', 0, 0);
  const tagged = options.taggedSteps ?? options.performed.length;
  options.performed.forEach((move, k) => {
    const step = Math.min(k, tagged - 1);
    const profile = [0.25, 0.5, 0.75, 1, 1, 1, 1, 0.75, 0.5, 0.25, 0, 0, 0, 0];
    for (const amount of profile) {
      const angle = amplitude * amount * (move === 'look_up' || move === 'look_down' ? 0.8 : 1);
      const yaw = move === 'turn_left' ? angle : move === 'turn_right' ? -angle : 0;
      const pitch = move === 'look_up' ? angle : move === 'look_down' ? -angle : 0;
      push(step, move, yaw, pitch);
    }
  });
  return frames;
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
