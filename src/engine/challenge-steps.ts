// Verifies the head-movement challenge from the estimated pose over time. The client's per-frame `step`
// tag only chooses the frontal baseline window; which move was made, and when, comes from the pose alone,
// so a client cannot claim a step it did not show.
import type { ChallengeMove, StepVerification } from './types.js';

/** |Δyaw| from the baseline a turn must reach, degrees. Human's yaw is ~±1–3° noisy on a still face, and it
 * reads a turn at 0.7–1.3× its true angle depending on the face (measured on generated heads of known
 * pose: true 22–28° read as 19–21° for one tuning face), so a bar at 15° passes a 22° turn on every face
 * while staying 5× above the noise. */
export const TURN_YAW_DEG = 15;
/** |Δpitch| a look up/down must reach, degrees. Pitch moves less than yaw for the same effort (the neck),
 * and Human under-reads it more: true 17–20° read as 9–13° on faces photographed looking slightly down.
 * The opening phase's pitch wobbles by < 1° (sd), so 10° still needs a deliberate nod. */
export const LOOK_PITCH_DEG = 10;
/** A move is left once the angle falls back below this fraction of its threshold (hysteresis, so that
 * noise around the threshold does not split one movement into several). */
export const MOVE_EXIT_RATIO = 0.6;
/** Frames past the threshold needed for a movement to count. One frame can be a mesh glitch; at 5–10 fps
 * a deliberate move holds for 3+ frames. */
export const MIN_MOVE_FRAMES = 2;
/** The frontal baseline is clamped to this many degrees: a camera can sit off-axis, but a "frontal" phase
 * spent turned further than this is not frontal. */
export const MAX_BASELINE_DEG = 15;
/** Frames used for the baseline when no frame is tagged as the opening phase. */
export const BASELINE_FALLBACK_FRAMES = 3;

/** A usable frame's head pose. */
export interface PoseSample {
  /** Index into the session's frames. */
  frame: number;
  t: number;
  step: number;
  yaw: number;
  pitch: number;
}

export interface Baseline {
  yaw: number;
  pitch: number;
}

/** One continuous head movement past a threshold. */
export interface MoveEpisode {
  move: ChallengeMove;
  /** Frame indices of the first and last frame of the movement. */
  firstFrame: number;
  lastFrame: number;
  /** Frames at or past the full threshold. */
  framesPastThreshold: number;
  /** Frame with the largest angle toward the move, and that angle relative to the baseline. */
  peakFrame: number;
  peakAngle: number;
}

export interface StepsOutcome {
  steps: StepVerification[];
  /** Per step, the frame where the move peaked (undefined when not done). */
  peakFrames: Array<number | undefined>;
  /** Set when the challenge was not satisfied. */
  failure?: 'wrong_direction' | 'step_not_done';
  /** The first movement that did not fit the expected order. */
  unexpected?: MoveEpisode;
  episodes: MoveEpisode[];
}

/** Median pose of the opening phase: frames before the first one tagged with a step (else the first few). */
export function frontalBaseline(samples: readonly PoseSample[]): Baseline {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const firstStep = sorted.findIndex((s) => s.step >= 0);
  const opening = firstStep > 0 ? sorted.slice(0, firstStep) : sorted.slice(0, BASELINE_FALLBACK_FRAMES);
  const clamp = (v: number): number => Math.max(-MAX_BASELINE_DEG, Math.min(MAX_BASELINE_DEG, v));
  return { yaw: clamp(median(opening.map((s) => s.yaw))), pitch: clamp(median(opening.map((s) => s.pitch))) };
}

/** The move a pose stands for at `level` × threshold (1 = full), by the dominant axis, or undefined. */
export function classifyPose(yaw: number, pitch: number, level = 1): ChallengeMove | undefined {
  const yawScore = yaw / TURN_YAW_DEG;
  const pitchScore = pitch / LOOK_PITCH_DEG;
  if (Math.abs(yawScore) >= Math.abs(pitchScore)) {
    if (yawScore >= level) return 'turn_left';
    if (yawScore <= -level) return 'turn_right';
    return undefined;
  }
  if (pitchScore >= level) return 'look_up';
  if (pitchScore <= -level) return 'look_down';
  return undefined;
}

/** Angle toward a move's direction (positive = toward it), relative to the baseline. */
export function angleToward(move: ChallengeMove, yaw: number, pitch: number): number {
  switch (move) {
    case 'turn_left':
      return yaw;
    case 'turn_right':
      return -yaw;
    case 'look_up':
      return pitch;
    case 'look_down':
      return -pitch;
  }
}

/** Splits the pose track into movements past a threshold, in time order. */
export function findMoveEpisodes(samples: readonly PoseSample[], baseline: Baseline): MoveEpisode[] {
  const sorted = [...samples].sort((a, b) => a.t - b.t);
  const episodes: MoveEpisode[] = [];
  let current: MoveEpisode | undefined;
  for (const s of sorted) {
    const yaw = s.yaw - baseline.yaw;
    const pitch = s.pitch - baseline.pitch;
    if (current && classifyPose(yaw, pitch, MOVE_EXIT_RATIO) === current.move) {
      current.lastFrame = s.frame;
      const angle = angleToward(current.move, yaw, pitch);
      if (classifyPose(yaw, pitch) === current.move) current.framesPastThreshold += 1;
      if (angle > current.peakAngle) {
        current.peakAngle = angle;
        current.peakFrame = s.frame;
      }
      continue;
    }
    if (current) episodes.push(current);
    current = undefined;
    const move = classifyPose(yaw, pitch);
    if (move) {
      const peakAngle = angleToward(move, yaw, pitch);
      current = { move, firstFrame: s.frame, lastFrame: s.frame, framesPastThreshold: 1, peakFrame: s.frame, peakAngle };
    }
  }
  if (current) episodes.push(current);
  return episodes.filter((e) => e.framesPastThreshold >= MIN_MOVE_FRAMES);
}

/**
 * Matches movements to the challenge in order. A movement that repeats the step just done is tolerated
 * (people overshoot and redo); any other movement before the last step is done fails the challenge with
 * wrong_direction (this is also what a replayed recording of another challenge looks like). Movements
 * after the last step are ignored: the person may look at the screen once done.
 */
export function verifyChallengeSteps(moves: readonly ChallengeMove[], episodes: readonly MoveEpisode[]): StepsOutcome {
  const steps: StepVerification[] = moves.map((move) => ({ move, done: false, peakAngle: 0 }));
  const peakFrames: Array<number | undefined> = moves.map(() => undefined);
  let next = 0;
  for (const episode of episodes) {
    if (next >= moves.length) break;
    const expected = moves[next];
    const step = steps[next];
    if (episode.move === expected && step) {
      step.done = true;
      step.peakAngle = round1(episode.peakAngle);
      peakFrames[next] = episode.peakFrame;
      next += 1;
      continue;
    }
    const previous = next > 0 ? steps[next - 1] : undefined;
    if (previous && episode.move === previous.move) {
      if (episode.peakAngle > previous.peakAngle) {
        previous.peakAngle = round1(episode.peakAngle);
        peakFrames[next - 1] = episode.peakFrame;
      }
      continue;
    }
    // Record how far the asked move got before the wrong one, for the signals.
    return { steps, peakFrames, failure: 'wrong_direction', unexpected: episode, episodes: [...episodes] };
  }
  if (next < moves.length) return { steps, peakFrames, failure: 'step_not_done', episodes: [...episodes] };
  return { steps, peakFrames, episodes: [...episodes] };
}

/** Peak angle toward each undone step over the whole track, so a near miss shows in the signals. */
export function fillUndonePeaks(outcome: StepsOutcome, samples: readonly PoseSample[], baseline: Baseline): void {
  for (const step of outcome.steps) {
    if (step.done) continue;
    let peak = 0;
    for (const s of samples) peak = Math.max(peak, angleToward(step.move, s.yaw - baseline.yaw, s.pitch - baseline.pitch));
    step.peakAngle = round1(peak);
  }
}

function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
