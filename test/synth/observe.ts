// Runs the real face models over generated frames: what a liveness engine would see.
import { decodeImage } from '../../src/synth/image.js';
import { rgbToTensor, type Human } from '../../src/engine/human.js';
import type { SessionFrame } from '../../src/synth/session.js';

export interface SeenFace {
  /** Human's angles, degrees, in its own sign convention (see the README of src/synth). */
  yaw: number;
  pitch: number;
  roll: number;
  score: number;
  box: [number, number, number, number];
  /** Mesh points in pixels. */
  mesh: Array<[number, number, number]>;
  embedding: number[];
}

export interface SeenFrame {
  t: number;
  step: number;
  faces: SeenFace[];
}

const DEG = 180 / Math.PI;

/** `describe`: also compute face embeddings (slower), for identity checks. */
export async function observe(human: Human, frames: readonly SessionFrame[], options: { describe?: boolean } = {}): Promise<SeenFrame[]> {
  const description = human.config.face.description;
  const wasEnabled = description?.enabled ?? false;
  if (description) description.enabled = options.describe ?? false;
  try {
    return await observeFrames(human, frames);
  } finally {
    if (description) description.enabled = wasEnabled;
  }
}

async function observeFrames(human: Human, frames: readonly SessionFrame[]): Promise<SeenFrame[]> {
  const seen: SeenFrame[] = [];
  for (const frame of frames) {
    const image = await decodeImage(frame.jpeg);
    const tensor = rgbToTensor(human, image.data, image.width, image.height);
    try {
      const result = await human.detect(tensor);
      seen.push({
        t: frame.t,
        step: frame.step,
        faces: result.face.map((face) => ({
          yaw: (face.rotation?.angle.yaw ?? 0) * DEG,
          pitch: (face.rotation?.angle.pitch ?? 0) * DEG,
          roll: (face.rotation?.angle.roll ?? 0) * DEG,
          score: face.score,
          box: face.box,
          mesh: face.mesh.map((p) => [p[0], p[1], p[2] ?? 0]),
          embedding: face.embedding ?? [],
        })),
      });
    } finally {
      tensor.dispose();
    }
  }
  return seen;
}

/** The subject-frame angles (yaw > 0 = turned to their own left, pitch > 0 = looking up) from Human's. */
export function subjectAngles(face: SeenFace): { yaw: number; pitch: number } {
  // Measured on rendered heads of known pose: Human's yaw and pitch both have the opposite sign.
  return { yaw: -face.yaw, pitch: -face.pitch };
}

/** Cosine similarity of two face embeddings. */
export function similarity(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += (a[i] ?? 0) * (b[i] ?? 0);
    na += (a[i] ?? 0) ** 2;
    nb += (b[i] ?? 0) ** 2;
  }
  return dot / Math.sqrt(na * nb || 1);
}
