// The session generator: one real face photo + a challenge + a species + a seed → camera frames as JPEG
// with the timestamps and step tags a capture client would send. Deterministic for a given seed.
import { CHALLENGE_MOVES, type Challenge, type ChallengeMove } from '../engine/types.js';
import { renderPrintAttack } from './attacks/print.js';
import { renderReplayAttack } from './attacks/replay.js';
import type { SessionContext } from './context.js';
import type { FaceSource } from './face-source.js';
import { buildHeadModel, type HeadModel } from './head-model.js';
import { resizeImage, type RgbImage } from './image.js';
import { placeLike, planMotion, renderPerformance, type CastMember } from './performance.js';
import { add, oppositeMove, type Vec3 } from './pose.js';
import { Random } from './random.js';
import { FrameRenderer } from './render.js';
import { roomBackdrop } from './room.js';
import { randomSensorProfile, WebcamSensor } from './sensor.js';
import { needsOtherFace, type SessionSpecies } from './species.js';
import { buildTimeline } from './timeline.js';

export interface GenerateSessionOptions {
  face: FaceSource;
  challenge: Challenge;
  species: SessionSpecies;
  seed: number;
  /** Another person, for face_swap and multiple_faces. */
  otherFace?: FaceSource;
  fps?: number;
  width?: number;
  height?: number;
}

export interface SessionFrame {
  /** Milliseconds since capture start. */
  t: number;
  /** -1 for the opening frontal phase, else the index of the step being asked for. */
  step: number;
  jpeg: Buffer;
}

export interface GeneratedSession {
  species: SessionSpecies;
  challenge: Challenge;
  /** The moves the person in the frames actually made (empty when nobody moves a head). */
  performed: ChallengeMove[];
  faceId: string;
  otherFaceId?: string;
  /** Index of the first step done by the other person (face_swap). */
  swapStep?: number;
  frames: SessionFrame[];
}

export class SessionOptionsError extends Error {
  override name = 'SessionOptionsError';
}

function validate(options: GenerateSessionOptions): void {
  const { challenge, fps = 10, width = 640, height = 480 } = options;
  if (challenge.steps.length === 0) throw new SessionOptionsError('the challenge has no steps');
  for (const step of challenge.steps) {
    if (!CHALLENGE_MOVES.includes(step)) throw new SessionOptionsError(`unknown move "${String(step)}"`);
  }
  if (!(fps >= 1 && fps <= 60)) throw new SessionOptionsError(`fps must be within 1..60, got ${fps}`);
  if (!(width >= 64 && width <= 1920 && height >= 48 && height <= 1080)) {
    throw new SessionOptionsError(`frame size ${width}×${height} is out of range (64×48 .. 1920×1080)`);
  }
  if (!Number.isInteger(options.seed)) throw new SessionOptionsError(`seed must be a whole number, got ${options.seed}`);
  if (needsOtherFace(options.species) && !options.otherFace) {
    throw new SessionOptionsError(`species ${options.species} needs otherFace (a second person)`);
  }
  if (options.otherFace && options.otherFace.id === options.face.id && needsOtherFace(options.species)) {
    throw new SessionOptionsError('otherFace must be a different person');
  }
}

export async function generateSession(options: GenerateSessionOptions): Promise<GeneratedSession> {
  validate(options);
  const width = options.width ?? 640;
  const height = options.height ?? 480;
  const fps = options.fps ?? 10;
  const random = new Random(options.seed);
  const head = buildHeadModel(options.face);
  const timeline = buildTimeline({ stepCount: options.challenge.steps.length, fps }, random.fork('timeline'));
  const context: SessionContext = { face: options.face, head, challenge: options.challenge, timeline, width, height, fps, random };
  const base = { species: options.species, challenge: options.challenge, faceId: options.face.id };
  // Frames are stamped and tagged as the capture client would: by the timeline of the asked challenge.
  const tag = (jpegs: readonly Buffer[]): SessionFrame[] =>
    jpegs.map((jpeg, i) => ({ t: timeline[i]?.t ?? 0, step: timeline[i]?.step ?? -1, jpeg }));

  const sensor = new WebcamSensor(width, height, randomSensorProfile(random.fork('sensor-profile')), random.fork('sensor'));
  const renderer = new FrameRenderer(width, height, head.sourceWidth, head.sourceHeight);
  const photoBackdrop = await fitBackdrop(head.backdrop, width, height);

  switch (options.species) {
    case 'bona_fide':
    case 'wrong_direction': {
      const moves = options.species === 'bona_fide' ? [...options.challenge.steps] : options.challenge.steps.map(oppositeMove);
      const motion = planMotion(moves, timeline, head, random.fork('motion'));
      const jpegs = await renderPerformance({
        renderer,
        backdrop: photoBackdrop,
        sensor,
        frameCount: timeline.length,
        cast: (i) => [{ head, placement: placeLike(head, head, at(motion, i)) }],
      });
      return { ...base, performed: moves, frames: tag(jpegs) };
    }
    case 'face_swap': {
      const other = buildHeadModel(requireOtherFace(options));
      const n = options.challenge.steps.length;
      const swapStep = n > 1 ? 1 + random.fork('swap').int(n - 1) : 0;
      const moves = [...options.challenge.steps];
      const motion = planMotion(moves, timeline, head, random.fork('motion'));
      const jpegs = await renderPerformance({
        renderer,
        backdrop: photoBackdrop,
        sensor,
        frameCount: timeline.length,
        cast: (i) => {
          const who = (timeline[i]?.step ?? -1) >= swapStep ? other : head;
          return [{ head: who, placement: placeLike(head, who, at(motion, i)) }];
        },
      });
      return { ...base, performed: moves, otherFaceId: other.id, swapStep, frames: tag(jpegs) };
    }
    case 'multiple_faces': {
      const other = buildHeadModel(requireOtherFace(options));
      const moves = [...options.challenge.steps];
      const motion = planMotion(moves, timeline, head, random.fork('motion'));
      const bystander = bystanderMotion(context, other, random.fork('bystander'));
      const jpegs = await renderPerformance({
        renderer,
        backdrop: photoBackdrop,
        sensor,
        frameCount: timeline.length,
        cast: (i) => [{ head, placement: placeLike(head, head, at(motion, i)) }, bystander(i)],
      });
      return { ...base, performed: moves, otherFaceId: other.id, frames: tag(jpegs) };
    }
    case 'no_face': {
      const room = await roomBackdrop(width, height, random.fork('room'));
      const jpegs = await renderPerformance({ renderer, backdrop: room, sensor, frameCount: timeline.length, cast: () => [] });
      return { ...base, performed: [], frames: tag(jpegs) };
    }
    case 'print_still':
    case 'print_tilted': {
      const tilted = options.species === 'print_tilted';
      const jpegs = await renderPrintAttack(context, tilted, renderer, sensor);
      // A tilted card goes through the asked moves, though no head does.
      return { ...base, performed: tilted ? [...options.challenge.steps] : [], frames: tag(jpegs) };
    }
    case 'replay_screen':
    case 'replay_injected': {
      const replay = await renderReplayAttack(context, options.species === 'replay_screen', renderer, sensor, photoBackdrop);
      return { ...base, performed: replay.performed, frames: tag(replay.frames) };
    }
  }
}

/** A second person further back, beside the subject, looking around a little on their own. */
function bystanderMotion(context: SessionContext, other: HeadModel, random: Random): (index: number) => CastMember {
  const { head } = context;
  const side = random.next() < 0.5 ? -1 : 1;
  const depth = head.pivot[2] * random.range(0.35, 0.55);
  const offset: Vec3 = [side * head.faceWidth * random.range(1.15, 1.3), -head.faceWidth * random.range(0.05, 0.3), depth];
  const moves: ChallengeMove[] = [random.pick(['turn_left', 'turn_right'] as const)];
  const motion = planMotion(moves, context.timeline.map((f) => ({ ...f, step: f.step >= 0 ? 0 : -1, amount: f.amount * 0.35 })), other, random);
  return (index) => {
    const m = at(motion, index);
    const pivot = add(add(head.pivot, offset), m.shift);
    return { head: other, placement: { pose: m.pose, pivot, scale: head.faceWidth / other.faceWidth } };
  };
}

/** Item `index` of a per-frame plan (plans are built from the same timeline, so it always exists). */
function at<T>(items: readonly T[], index: number): T {
  const item = items[index];
  if (item === undefined) throw new RangeError(`no plan for frame ${index}`);
  return item;
}

function requireOtherFace(options: GenerateSessionOptions): FaceSource {
  if (!options.otherFace) throw new SessionOptionsError(`species ${options.species} needs otherFace (a second person)`);
  return options.otherFace;
}

async function fitBackdrop(image: RgbImage, width: number, height: number): Promise<RgbImage> {
  if (image.width === width && image.height === height) return image;
  return resizeImage(image, width, height);
}
