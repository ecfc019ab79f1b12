// A person doing the moves: per-frame head poses (target × eased amount, plus sway) and the render loop
// that turns a cast of heads into camera frames over a still backdrop.
import type { ChallengeMove } from '../engine/types.js';
import type { HeadModel, HeadReach } from './head-model.js';
import type { RgbImage } from './image.js';
import { moveTarget, type HeadPose, type Vec3 } from './pose.js';
import { SmoothJitter, type Random } from './random.js';
import { drawHead, type FrameRenderer, type HeadPlacement } from './render.js';
import type { WebcamSensor } from './sensor.js';
import type { TimelineFrame } from './timeline.js';

export interface MotionFrame {
  pose: HeadPose;
  /** Sway of the head, world units, added to its pivot. */
  shift: Vec3;
}

/** Yaw and pitch amplitudes asked of a person, degrees (the engine is tuned for roughly these). */
export const YAW_RANGE: readonly [number, number] = [22, 34];
// Pitch starts at 18°: a nod asked for with "look up/down" is 20–30° for most people, and Human reads a
// rendered nod at 0.5–1× its true angle (faces photographed looking down the least), so 16° could be
// seen as 8° — a person who barely nodded, not the one this generator means to play.
export const PITCH_RANGE: readonly [number, number] = [18, 26];

const MOVE_DIRECTION: Record<ChallengeMove, keyof HeadReach> = {
  turn_left: 'left',
  turn_right: 'right',
  look_up: 'up',
  look_down: 'down',
};

/**
 * Poses frame by frame for `moves` along `timeline`. A head's `reach` narrows the amplitude toward the side
 * its photo did not see (never below the range's minimum).
 */
export function planMotion(
  moves: readonly ChallengeMove[],
  timeline: readonly TimelineFrame[],
  head: { faceWidth: number; reach?: HeadReach },
  random: Random,
): MotionFrame[] {
  const { faceWidth, reach } = head;
  const amplitude = (range: readonly [number, number], limit = Infinity) =>
    random.range(range[0], Math.max(range[0], Math.min(range[1], limit)));
  const targets = moves.map((move) => {
    const limit = reach?.[MOVE_DIRECTION[move]];
    const target = moveTarget(move, amplitude(YAW_RANGE, limit), amplitude(PITCH_RANGE, limit));
    // Nobody turns about one axis only: a little of the other axes comes along.
    const horizontal = move === 'turn_left' || move === 'turn_right';
    return {
      yaw: target.yaw + (horizontal ? 0 : random.range(-4, 4)),
      pitch: target.pitch + (horizontal ? random.range(-4, 3) : 0),
      roll: random.range(-4, 4),
    };
  });
  const sway = {
    yaw: new SmoothJitter(random.fork('yaw'), 0.9),
    pitch: new SmoothJitter(random.fork('pitch'), 0.8),
    roll: new SmoothJitter(random.fork('roll'), 0.7),
    x: new SmoothJitter(random.fork('x'), 0.012 * faceWidth),
    y: new SmoothJitter(random.fork('y'), 0.01 * faceWidth),
    z: new SmoothJitter(random.fork('z'), 0.03 * faceWidth),
  };
  return timeline.map((frame) => {
    const target = frame.step >= 0 ? targets[frame.step] : undefined;
    const k = target ? frame.amount : 0;
    return {
      pose: {
        yaw: (target?.yaw ?? 0) * k + sway.yaw.step(),
        pitch: (target?.pitch ?? 0) * k + sway.pitch.step(),
        roll: (target?.roll ?? 0) * k + sway.roll.step(),
      },
      shift: [sway.x.step(), sway.y.step(), sway.z.step()],
    };
  });
}

export interface CastMember {
  head: HeadModel;
  placement: HeadPlacement;
}

/** Places `head` where `anchor` sits in its photo, scaled to the same face width, following `motion`. */
export function placeLike(anchor: HeadModel, head: HeadModel, motion: MotionFrame): HeadPlacement {
  return {
    pose: motion.pose,
    pivot: [anchor.pivot[0] + motion.shift[0], anchor.pivot[1] + motion.shift[1], anchor.pivot[2] + motion.shift[2]],
    scale: anchor.faceWidth / head.faceWidth,
  };
}

export interface PerformanceOptions {
  renderer: FrameRenderer;
  backdrop: RgbImage;
  sensor: WebcamSensor;
  frameCount: number;
  /** Who is in view in frame `index`, and where. */
  cast: (index: number) => CastMember[];
}

/** Renders each frame, passes it through the sensor and encodes it as the camera would; in frame order. */
export async function renderPerformance(options: PerformanceOptions): Promise<Buffer[]> {
  const encoded: Array<Promise<Buffer>> = [];
  for (let i = 0; i < options.frameCount; i++) {
    const clean = options.renderer.render(options.backdrop, (layer, camera) => {
      for (const member of options.cast(i)) drawHead(layer, camera, member.head, member.placement);
    });
    // Encoding runs on sharp's threads while the next frame renders; pixels are not kept.
    encoded.push(options.sensor.encode(options.sensor.capture(clean)));
  }
  return Promise.all(encoded);
}
