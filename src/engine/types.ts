// The engine's contract: frames + challenge → decision. Nothing here knows about HTTP or storage.

/** A head movement the subject is asked to do, in the subject's own frame of reference. */
export type ChallengeMove = 'turn_left' | 'turn_right' | 'look_up' | 'look_down';
export const CHALLENGE_MOVES: readonly ChallengeMove[] = ['turn_left', 'turn_right', 'look_up', 'look_down'];

export interface Challenge {
  steps: ChallengeMove[];
}

/** Fractions of the frame's width and height, origin top-left. */
export interface BoundingBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** What the models saw of one face in one frame. Angles in degrees, in the subject's frame:
 * yaw > 0 when the subject turned to their own left (nose toward the raw image's right edge),
 * pitch > 0 when the subject looks up, roll > 0 when the head leans clockwise in the image. */
export interface FaceObservation {
  box: BoundingBox;
  score: number;
  yaw: number;
  pitch: number;
  roll: number;
  /** Passive anti-spoof scores in [0,1] (higher = more likely real / live), when the model ran. */
  real?: number;
  live?: number;
  /** Face descriptor for identity consistency, L2-normalised. */
  embedding?: number[];
  /** A small subset of 3D mesh landmarks in the frame's pixels [x, y, z], for geometric checks (parallax);
   * z is relative depth, roughly on x's scale, smaller = nearer. Which points, in which order: landmarks.ts. */
  landmarks?: Array<[number, number, number]>;
}

/** Per-frame hint the capture page can show so that a person knows what to change. */
export type FrameFeedback =
  | 'ok'
  | 'no_face'
  | 'multiple_faces'
  | 'face_too_small'
  | 'face_too_close'
  | 'face_not_centered'
  | 'too_dark'
  | 'too_bright'
  | 'blurred';

export interface FrameObservation {
  width: number;
  height: number;
  faces: FaceObservation[];
  /** Mean luma of the frame, 0..255. */
  brightness: number;
  /** Mean luma inside the face box, 0..255, when there is exactly one face. */
  faceBrightness?: number;
  /** Sharpness of the face region (variance of the Laplacian, higher = sharper). */
  sharpness: number;
  feedback: FrameFeedback;
  /** Model inference time for this frame, for metrics and benchmarks. */
  inferenceMs: number;
}

/** A frame as the capture protocol delivered it, with what the models saw in it. */
export interface AnalysedFrame {
  /** Milliseconds since capture start, from the client. */
  t: number;
  /** Index into the challenge's steps, or -1 for the opening frontal phase. */
  step: number;
  observation: FrameObservation;
}

/** Why a check did not pass, in words a person can act on. */
export type FailureReason =
  | 'no_face'
  | 'multiple_faces'
  | 'face_too_small'
  | 'too_dark'
  | 'too_blurred'
  | 'moved_out_of_frame'
  | 'step_not_done'
  | 'wrong_direction'
  | 'identity_changed'
  /** The face moved like a flat picture (a print or a screen), not a head. */
  | 'flat_surface'
  | 'timed_out'
  | 'too_few_frames'
  | 'capture_abandoned'
  | 'analysis_error';

export interface StepVerification {
  move: ChallengeMove;
  done: boolean;
  /** Peak angle reached toward the asked direction, degrees. */
  peakAngle: number;
  /** Capture time (ms since start, the client's clock) of the first frame uploaded for this step. */
  startedMs?: number;
  /** Capture time of the frame where the move peaked, when it was done: with startedMs, how long it took. */
  peakMs?: number;
}

export interface LivenessSignals {
  steps: StepVerification[];
  /** Minimum cosine similarity of any frame's face to the probe face. */
  identitySimilarity: number;
  /** 0..1, how far landmark motion departs from one plane (a flat print scores low). */
  parallax: number;
  /** Mean passive scores over the used frames. */
  passiveReal: number;
  passiveLive: number;
}

export type LivenessDecision =
  | {
      /** The session was usable; `confidence` is compared with the threshold by the caller. */
      outcome: 'complete';
      confidence: number;
      /** Set when something lowered the confidence to a failing level. */
      failureReason?: FailureReason;
      /** Index into the frames array of the frontal probe frame. */
      probeFrame: number;
      boundingBox: BoundingBox;
      /** Indices of frames chosen as audit images, spread over the session, probe excluded. */
      auditFrames: number[];
      signals: LivenessSignals;
    }
  | {
      /** No decision could be made from the frames (no usable face, nothing captured…). */
      outcome: 'failed';
      failureReason: FailureReason;
    };

/** Runs the face models on one JPEG frame. Implemented by a worker_threads pool. */
export interface FrameAnalyzer {
  analyze(jpeg: Buffer): Promise<FrameObservation>;
  close(): Promise<void>;
}
