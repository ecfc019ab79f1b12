// What every species renderer gets from generateSession.
import type { Challenge } from '../engine/types.js';
import type { FaceSource } from './face-source.js';
import type { HeadModel } from './head-model.js';
import type { Random } from './random.js';
import type { TimelineFrame } from './timeline.js';

export interface SessionContext {
  face: FaceSource;
  head: HeadModel;
  challenge: Challenge;
  timeline: TimelineFrame[];
  width: number;
  height: number;
  fps: number;
  /** The session's root stream: renderers fork named streams from it, so that they stay independent. */
  random: Random;
}
